package render

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestDiskSampleIsUniform checks that lens samples, by rejection and by
// the polar map they fall back to, lie in the unit disk and spread evenly:
// a quarter of them within half the radius, a quarter in each quadrant.
func TestDiskSampleIsUniform(t *testing.T) {
	for name, sample := range map[string]func(*RNG) (float64, float64){"rejection": diskSample, "polar": diskPolar} {
		t.Run(name, func(t *testing.T) {
			const n = 200000
			r := NewRNG(1, 2, 3, 4)
			var inner, outside int
			var quadrants [4]int
			for range n {
				x, y := sample(&r)
				if x*x+y*y >= 1 {
					outside++
				}
				if x*x+y*y < 0.25 {
					inner++
				}
				quadrants[sign01(x)+2*sign01(y)]++
			}
			assert.Zero(t, outside)
			assert.InDelta(t, 0.25, float64(inner)/n, 0.005)
			for q, c := range quadrants {
				assert.InDelta(t, 0.25, float64(c)/n, 0.005, "quadrant %d", q)
			}
		})
	}
}
