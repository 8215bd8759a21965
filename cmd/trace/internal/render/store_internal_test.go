package render

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestStoreIsTheSameWithOrWithoutSums checks that a block's pixels are the
// same bytes whether its pass keeps float sums (Accum) or not: the CLI
// keeps them only when the next frame may refine the image, and a frame
// must not change with that choice. The first sums are ones where rounding
// the mean through float32 (as the sums are) or not flips a byte.
func TestStoreIsTheSameWithOrWithoutSums(t *testing.T) {
	s := openScene(t, "default")
	const w, h, k = 4, 4, 2
	rng := rand.New(rand.NewPCG(5, 6))
	sums := []float64{2 * 1.1044182872922925, 2 * 1.5341782118330083, 2 * 0.7761959765652631}
	for range 2000 {
		sums = append(sums, 3*rng.Float64())
	}
	tile := Tile{X0: 0, Y0: 0, X1: w, Y1: h}
	for _, v := range sums {
		plain := Target{Pix: make([]uint32, w*h), W: w, H: h}
		summed := Target{Pix: make([]uint32, w*h), Accum: make([]float32, 4*w*h), W: w, H: h}
		sum := Vec{v, v / 2, v / 3}
		s.store(plain, tile, 2, 2, k, sum, 2)
		s.store(summed, tile, 2, 2, k, sum, 2)
		if !assert.Equal(t, plain.Pix, summed.Pix, "sum %v of 2 samples", sum) {
			return
		}
	}
}
