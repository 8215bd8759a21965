package render_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/shmrun/shmrun/cmd/trace/internal/render"
)

func TestVec(t *testing.T) {
	a, b := render.Vec{1, 2, 3}, render.Vec{4, -5, 6}
	assert.Equal(t, render.Vec{5, -3, 9}, a.Add(b))
	assert.Equal(t, render.Vec{-3, 7, -3}, a.Sub(b))
	assert.Equal(t, render.Vec{4, -10, 18}, a.Mul(b))
	assert.Equal(t, render.Vec{2, 4, 6}, a.Scale(2))
	assert.Equal(t, render.Vec{9, -8, 15}, a.AddScaled(b, 2))
	assert.Equal(t, render.Vec{-1, -2, -3}, a.Neg())
	assert.Equal(t, 12.0, a.Dot(b))
	assert.Equal(t, render.Vec{27, 6, -13}, a.Cross(b))
	assert.Equal(t, 0.0, a.Cross(b).Dot(a), "a x b is orthogonal to a")
	assert.InDelta(t, math.Sqrt(14), a.Length(), 1e-15)
	assert.InDelta(t, 1, b.Normalize().Length(), 1e-15)
	assert.Equal(t, render.Vec{}, render.Vec{}.Normalize())
	assert.Equal(t, render.Vec{1, -5, 3}, a.Min(b))
	assert.Equal(t, render.Vec{4, 2, 6}, a.Max(b))
	assert.Equal(t, 6.0, b.MaxComponent())
	assert.Equal(t, []float64{1, 2, 3}, []float64{a.Axis(0), a.Axis(1), a.Axis(2)})
	assert.Equal(t, render.Vec{1, 1, 0}, render.Vec{1, -1, 0}.Reflect(render.Vec{0, 1, 0}))
}

func TestRNG(t *testing.T) {
	a, b := render.NewRNG(1, 2, 3, 4), render.NewRNG(1, 2, 3, 4)
	assert.Equal(t, a.Uint64(), b.Uint64(), "same seed, same stream")
	seen := map[uint64]bool{}
	for _, seed := range [][4]int{{0, 0, 0, 0}, {1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}, {0, 1 << 20, 0, 0}, {-1, 0, 0, 0}} {
		r := render.NewRNG(seed[0], seed[1], seed[2], seed[3])
		seen[r.Uint64()] = true
	}
	assert.Len(t, seen, 7, "every input of the tuple changes the stream")
	r := render.NewRNG(9, 9, 9, 9)
	sum, lo, hi := 0.0, 1.0, 0.0
	const n = 100_000
	for range n {
		v := r.Float64()
		sum, lo, hi = sum+v, min(lo, v), max(hi, v)
	}
	assert.InDelta(t, 0.5, sum/n, 0.01)
	assert.True(t, lo >= 0 && hi < 1)
}
