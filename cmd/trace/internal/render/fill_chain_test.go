package render_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/shmrun/shmrun/cmd/trace/internal/render"
)

// chainStats is a run of frames each filled from the one before.
type chainStats struct {
	meanDB, minDB float64 // PSNR against the full frames
	traced        float64 // mean share of the pixels traced
}

// fillChain renders frames first..first+n-1 of the default scene at w x
// h, the first whole and each other with pattern p from the one before,
// and compares each with the frame traced whole.
func fillChain(t *testing.T, w, h, first, n int, p render.Pattern) chainStats {
	t.Helper()
	_, rs := open(t, "default")
	prev, _ := renderFill(t, rs, w, h, first, render.PatternAll, nil, 64, 64)
	st := chainStats{minDB: math.Inf(1)}
	for f := first + 1; f < first+n; f++ {
		cur, traced := renderFill(t, rs, w, h, f, p, &prev, 64, 64)
		db := psnr(reference(t, rs, w, h, f), cur.pix)
		st.meanDB += db / float64(n-1)
		st.minDB = min(st.minDB, db)
		st.traced += float64(traced) / float64(w*h) / float64(n-1)
		prev = cur
	}
	return st
}

// blocksDB is the mean PSNR of frames first+1..first+n-1 of the default
// scene at pixel step k, in blocks.
func blocksDB(t *testing.T, w, h, first, n, k int) float64 {
	t.Helper()
	_, rs := open(t, "default")
	var mean float64
	for f := first + 1; f < first+n; f++ {
		dst := newTarget(w, h, false)
		_, err := rs.RenderTile(dst, render.Tile{X1: w, Y1: h, Frame: f}, render.Quality{SPP: 1, MaxDepth: 4, PixelStep: k})
		assert.NoError(t, err)
		mean += psnr(reference(t, rs, w, h, f), dst.Pix) / float64(n-1)
	}
	return mean
}

// TestFillChainBeatsBlocks fills frames each from the one before, as a
// paced run does, so that what a fill gets wrong carries over.
func TestFillChainBeatsBlocks(t *testing.T) {
	const w, h, first, n = 320, 180, 100, 16
	b2, b3 := blocksDB(t, w, h, first, n, 2), blocksDB(t, w, h, first, n, 3)
	for _, p := range []render.Pattern{render.PatternHalf, render.PatternQuarter} {
		st := fillChain(t, w, h, first, n, p)
		t.Logf("%v: traced %.3f, PSNR mean %.2f min %.2f dB (blocks: step 2 %.2f, step 3 %.2f dB)", p, st.traced, st.meanDB, st.minDB, b2, b3)
		assert.GreaterOrEqual(t, st.traced, p.Share(), "%v", p)
		assert.Less(t, st.traced, p.Share()+0.3, "%v: most of what the pattern leaves out is filled", p)
		assert.Greater(t, st.minDB, b2+3, "%v: the worst frame 3 dB better than step 2 blocks, which trace a quarter", p)
	}
}
