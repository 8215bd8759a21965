package render

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestLightBufferMatchesTree shoots shadow rays at every point light from
// random points and from the surfaces camera rays hit, at several frames,
// and requires the light buffer's answer to be the world tree's.
func TestLightBufferMatchesTree(t *testing.T) {
	for _, name := range []string{"default", "spheres"} {
		rs := openScene(t, name)
		for _, frame := range []int{0, 77, 301} {
			tr := tracer{s: rs, f: rs.frame(frame)}
			rng := NewRNG(frame, 3, 4, 5)
			var points []Vec
			for range 400 {
				points = append(points, Vec{rng.Float64()*24 - 12, rng.Float64() * 5, rng.Float64()*24 - 12})
				o, d := tr.f.cam.ray(rng.Float64()*64, rng.Float64()*36, 64, 36, tr.f.cam.pixelScale(36), &rng)
				var h hit
				if tr.intersect(o, d, inf, &h) {
					var sf surface
					tr.surface(o, d, &h, &sf)
					points = append(points, spawn(sf.p, sf.ng, d.Neg()))
				}
			}
			tested, occl := 0, 0
			for i := range rs.lights {
				l := &rs.lights[i]
				for _, p := range points {
					refs, ok := rs.shadowList(l, p)
					require.True(t, ok, "%s: light %d has no buffer", name, i)
					so := l.P.Sub(p)
					tmax := so.Length() * (1 - 1e-5)
					d := so.Normalize()
					require.Equal(t, tr.occludedTree(p, d, tmax), tr.occludedBy(refs, p, d, tmax), "%s frame %d light %d from %v", name, frame, i, p)
					tested++
					if tr.occludedTree(p, d, tmax) {
						occl++
					}
				}
			}
			require.Greater(t, tested, 1000)
			require.Greater(t, occl, tested/20, "%s frame %d: too few occluded rays to tell", name, frame)
		}
	}
}
