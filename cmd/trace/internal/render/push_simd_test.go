//go:build goexperiment.simd && amd64

package render

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestPushSIMDMatchesScalar requires the SIMD box test to push the same
// entries as the scalar one, for random rays against every node of the
// spheres and terrain scenes' trees (the terrain's sampled), with and
// without a closest hit so far.
func TestPushSIMDMatchesScalar(t *testing.T) {
	if !simdPush {
		t.Skip("the CPU has no AVX2: push runs pushScalar")
	}
	for _, name := range []string{"spheres", "terrain"} {
		s := openScene(t, name)
		rng := NewRNG(1, 2, 3, 4)
		var a, b traversal
		for k := range 200 {
			var r ray
			r.set(Vec{rng.Float64()*40 - 20, rng.Float64() * 12, rng.Float64()*40 - 20}, sphereSample(&rng).Normalize())
			tmax := r.limit(inf)
			if k%2 == 1 {
				tmax = r.limit(rng.Float64() * 20)
			}
			for i := k % 7; i < len(s.nodes); i += 7 + len(s.nodes)/300 {
				n := &s.nodes[i]
				sa, sb := a.pushScalar(n, &r, tmax, 3), b.pushSIMD(n, &r, tmax, 3)
				require.Equal(t, sa, sb, "%s node %d ray %d", name, i, k)
				require.Equal(t, a.e[:sa], b.e[:sb], "%s node %d ray %d", name, i, k)
			}
		}
	}
}

// TestImagesSIMDMatchScalar renders every scene with the SIMD box test and
// with the scalar one and requires the same bytes.
func TestImagesSIMDMatchScalar(t *testing.T) {
	if !simdPush {
		t.Skip("the CPU has no AVX2: push runs pushScalar")
	}
	defer func() { simdPush = true }()
	for i, name := range []string{"default", "cornell", "spheres", "terrain"} {
		s := openScene(t, name)
		var pix [2][]uint32
		for k, simd := range []bool{false, true} {
			simdPush = simd
			dst := Target{Pix: make([]uint32, 64*36), W: 64, H: 36}
			_, err := s.RenderTile(dst, Tile{X1: 64, Y1: 36, Frame: 30}, Quality{SPP: 2, MaxDepth: 5, Integrator: Integrator(i % 2)})
			require.NoError(t, err)
			pix[k] = dst.Pix
		}
		require.Equal(t, pix[0], pix[1], name)
	}
}
