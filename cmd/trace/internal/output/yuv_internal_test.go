package output

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestCoefficients recomputes the fixed-point BT.601 coefficients.
func TestCoefficients(t *testing.T) {
	const kr, kb = 0.299, 0.114
	const kg = 1 - kr - kb
	fx := func(v, scale float64) int { return int(math.Round(v * scale / 255 * (1 << fix))) }
	assert.Equal(t, [3]int{fx(kr, 219), fx(kg, 219), fx(kb, 219)}, [3]int{yR, yG, yB})
	cb := [3]float64{-kr / (2 * (1 - kb)), -kg / (2 * (1 - kb)), 0.5}
	cr := [3]float64{0.5, -kg / (2 * (1 - kr)), -kb / (2 * (1 - kr))}
	for i, c := range [3]int{cbR, cbG, cbB} {
		assert.InDelta(t, fx(cb[i], 224), c, 1, "Cb[%d]", i)
	}
	for i, c := range [3]int{crR, crG, crB} {
		assert.InDelta(t, fx(cr[i], 224), c, 1, "Cr[%d]", i)
	}
	assert.Zero(t, cbR+cbG+cbB, "grey must give Cb = 128 exactly")
	assert.Zero(t, crR+crG+crB, "grey must give Cr = 128 exactly")
}

func TestRational(t *testing.T) {
	for fps, want := range map[float64][2]int{
		30: {30, 1}, 60: {60, 1}, 29.97: {30000, 1001}, 23.976: {24000, 1001},
		59.94: {60000, 1001}, 12.5: {25, 2}, 0.5: {1, 2}, 7.123: {7123, 1000},
	} {
		num, den := rational(fps)
		assert.Equal(t, want, [2]int{num, den}, "fps %v", fps)
	}
}

func TestBayerIsPermutation(t *testing.T) {
	seen := map[int]bool{}
	for _, v := range bayer8() {
		seen[v] = true
	}
	assert.Len(t, seen, 64)
}
