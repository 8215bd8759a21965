package render

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestWorldListMatchesTree requires rays tested against the list of a
// small world to find the world tree's closest hit and shadow answer, for
// rays from points all over each small scene at several frames, and the
// list to be kept for small scenes only.
func TestWorldListMatchesTree(t *testing.T) {
	for name, small := range map[string]bool{"default": true, "cornell": false, "spheres": false, "terrain": false} {
		rs := openScene(t, name)
		require.Equal(t, small, rs.worldOK, name)
		if !small {
			continue
		}
		for _, frame := range []int{0, 77, 301} {
			tr := tracer{s: rs, f: rs.frame(frame)}
			rng := NewRNG(frame, 3, 2, 1)
			hits := 0
			for i := range 2000 {
				o := Vec{rng.Float64()*12 - 6, rng.Float64() * 4, rng.Float64()*12 - 6}
				d := sphereSample(&rng).Normalize()
				var want, got hit
				wok := tr.intersectTree(o, d, inf, &want)
				gok := tr.intersectList(rs.world, o, d, inf, &got)
				require.Equal(t, wok, gok, "%s frame %d ray %d", name, frame, i)
				require.Equal(t, want, got, "%s frame %d ray %d", name, frame, i)
				tmax := rng.Float64() * 8
				require.Equal(t, tr.occludedTree(o, d, tmax), tr.occludedBy(rs.world, o, d, tmax), "%s frame %d ray %d", name, frame, i)
				if wok {
					hits++
				}
			}
			require.Greater(t, hits, 500, "%s frame %d: too few rays hit anything", name, frame)
		}
	}
}
