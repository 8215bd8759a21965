package render

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestFirstHitMatchesTree requires camera rays tested against their
// group's list to find the world tree's closest hit, for groups all over
// the image of every scene (spheres has a lens), at several frames, and
// requires the lists to be used.
func TestFirstHitMatchesTree(t *testing.T) {
	for _, name := range []string{"default", "cornell", "spheres", "terrain"} {
		rs := openScene(t, name)
		listed := 0
		for _, frame := range []int{0, 77, 301} {
			tr := tracer{s: rs, f: rs.frame(frame)}
			const w, h = 320, 180
			k := tr.f.cam.pixelScale(h)
			rng := NewRNG(frame, 5, 6, 7)
			for gy := 0; gy < h; gy += groupSize {
				for gx := 0; gx < w; gx += groupSize {
					x1, y1 := float64(min(gx+groupSize, w)), float64(min(gy+groupSize, h))
					tr.firstRefs(float64(gx), float64(gy), x1, y1, w, h, k)
					if tr.firstOK {
						listed++
					}
					for range 8 {
						px := float64(gx) + rng.Float64()*(x1-float64(gx))
						py := float64(gy) + rng.Float64()*(y1-float64(gy))
						o, d := tr.f.cam.ray(px, py, w, h, k, &rng)
						var want, got hit
						wok := tr.intersectTree(o, d, inf, &want)
						gok := tr.firstHit(o, d, &got)
						require.Equal(t, wok, gok, "%s frame %d pixel (%.2f, %.2f)", name, frame, px, py)
						require.Equal(t, want, got, "%s frame %d pixel (%.2f, %.2f)", name, frame, px, py)
					}
				}
			}
		}
		if name != "terrain" {
			require.Positive(t, listed, "%s: no group listed its references", name)
		}
	}
}
