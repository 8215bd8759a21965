package render_test

import (
	"math"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/cmd/trace/internal/render"
	"github.com/shmrun/shmrun/cmd/trace/internal/scene"
)

// frameBufs is a frame's pixels and G-buffer.
type frameBufs struct {
	pix  []uint32
	gbuf []uint32
}

func newFrameBufs(w, h int) frameBufs {
	return frameBufs{make([]uint32, w*h), make([]uint32, render.GBufWords*w*h)}
}

// renderFill renders frame n whole in tiles of tw x th from concurrent
// goroutines, with pattern p and prev as the history (nil: none), and
// returns its buffers and the pixels it traced.
func renderFill(t *testing.T, rs *render.Scene, w, h, n int, p render.Pattern, prev *frameBufs, tw, th int) (frameBufs, uint64) {
	t.Helper()
	out := newFrameBufs(w, h)
	dst := render.Target{Pix: out.pix, GBuf: out.gbuf, W: w, H: h}
	if prev != nil {
		dst.Hist = render.History{Frame: n - 1, Pix: prev.pix, GBuf: prev.gbuf}
	}
	q := render.Quality{SPP: 1, MaxDepth: 4, Pattern: p}
	var mu sync.Mutex
	var traced uint64
	var wg sync.WaitGroup
	for _, tile := range tiles(w, h, tw, th, n, uint64(n)) {
		wg.Go(func() {
			st, err := rs.RenderTile(dst, tile, q)
			assert.NoError(t, err)
			mu.Lock()
			traced += st.Traced
			mu.Unlock()
		})
	}
	wg.Wait()
	return out, traced
}

// reference renders frame n at full quality without a G-buffer.
func reference(t *testing.T, rs *render.Scene, w, h, n int) []uint32 {
	t.Helper()
	dst := newTarget(w, h, false)
	_, err := rs.RenderTile(dst, render.Tile{X1: w, Y1: h, Frame: n}, render.Quality{SPP: 1, MaxDepth: 4})
	require.NoError(t, err)
	return dst.Pix
}

// psnr is the peak signal-to-noise ratio of b against a, in dB (+Inf when
// equal), over the RGB channels.
func psnr(a, b []uint32) float64 {
	var se float64
	for i := range a {
		for s := 0; s < 24; s += 8 {
			d := float64(int(a[i]>>s&0xff) - int(b[i]>>s&0xff))
			se += d * d
		}
	}
	if se == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/(se/float64(3*len(a))))
}

func TestPatternsTraceEveryPixelOncePerCycle(t *testing.T) {
	for _, c := range []struct {
		p     render.Pattern
		cycle int
	}{{render.PatternAll, 1}, {render.PatternHalf, 2}, {render.PatternQuarter, 4}, {render.PatternSparse, 4}, {render.PatternChecker, 2}} {
		for y := range 6 {
			for x := range 6 {
				for start := range 5 {
					n := 0
					for f := start; f < start+c.cycle; f++ {
						if c.p.Traces(x, y, f) {
							n++
						}
					}
					assert.Equal(t, 1, n, "%v: pixel (%d, %d) from frame %d", c.p, x, y, start)
				}
			}
		}
		p, err := render.ParsePattern(c.p.String())
		require.NoError(t, err)
		assert.Equal(t, c.p, p)
		assert.Equal(t, 1/float64(c.cycle), c.p.Share())
	}
	_, err := render.ParsePattern("most")
	assert.ErrorIs(t, err, render.ErrTile)
}

func TestGBufferPassIsTheSameBytesAsRenderTile(t *testing.T) {
	const w, h = 64, 36
	_, rs := open(t, "default")
	for _, n := range []int{0, 77} {
		got, traced := renderFill(t, rs, w, h, n, render.PatternAll, nil, 13, 7)
		assert.Equal(t, reference(t, rs, w, h, n), got.pix, "frame %d", n)
		assert.Equal(t, uint64(w*h), traced)
	}
}

func TestFillTracesItsPatternAndFillsTheRest(t *testing.T) {
	const w, h = 160, 90
	_, rs := open(t, "default")
	prev, _ := renderFill(t, rs, w, h, 30, render.PatternAll, nil, 64, 64)
	for _, p := range []render.Pattern{render.PatternHalf, render.PatternQuarter} {
		got, traced := renderFill(t, rs, w, h, 31, p, &prev, 64, 64)
		ref := reference(t, rs, w, h, 31)
		for y := range h {
			for x := range w {
				if p.Traces(x, y, 31) {
					require.Equal(t, ref[y*w+x], got.pix[y*w+x], "%v: traced pixel (%d, %d)", p, x, y)
				}
			}
		}
		share := float64(traced) / (w * h)
		assert.GreaterOrEqual(t, share, p.Share())
		assert.Less(t, share, 0.9, "%v: most of what the pattern leaves out is filled", p)
		assert.Greater(t, psnr(ref, got.pix), 28.0, "%v", p)
		t.Logf("%v: traced %.2f, PSNR %.1f dB", p, share, psnr(ref, got.pix))
	}
}

func TestFillIsTheSameWhateverTheTiling(t *testing.T) {
	const w, h = 67, 41
	_, rs := open(t, "default")
	prev, _ := renderFill(t, rs, w, h, 200, render.PatternAll, nil, 16, 16)
	want, _ := renderFill(t, rs, w, h, 201, render.PatternQuarter, &prev, w, h)
	for _, size := range [][2]int{{1, 1}, {5, 3}, {64, 64}} {
		got, _ := renderFill(t, rs, w, h, 201, render.PatternQuarter, &prev, size[0], size[1])
		require.Equal(t, want, got, "tiles %v", size)
	}
}

func TestFillWithoutHistoryTracesEveryPixel(t *testing.T) {
	const w, h = 48, 27
	_, rs := open(t, "default")
	got, traced := renderFill(t, rs, w, h, 5, render.PatternQuarter, nil, 16, 16)
	assert.Equal(t, reference(t, rs, w, h, 5), got.pix)
	assert.Equal(t, uint64(w*h), traced)
}

// parseScene compiles and opens a scene given as JSON.
func parseScene(t *testing.T, js string) *render.Scene {
	t.Helper()
	sc, err := scene.Parse("test.json", []byte(js), nil)
	require.NoError(t, err)
	blob, err := render.Compile(sc)
	require.NoError(t, err)
	rs, err := render.Open(blob)
	require.NoError(t, err)
	return rs
}

// slidingBox is a still camera over a floor and a box that slides along x
// at 12 units a second: a fifth of its width a frame, at 60 fps.
const slidingBox = `{
  "version": 1,
  "render": {"integrator": "whitted", "spp": 1, "max_depth": 4},
  "animation": {"duration": 4, "fps": 60},
  "camera": {"position": [0, 6, 6], "look_at": [0, 0, 0], "up": [0, 1, 0], "fov": 50},
  "background": {"type": "color", "color": [0.2, 0.3, 0.5]},
  "ambient": [0.1, 0.1, 0.1],
  "materials": {
    "white": {"type": "diffuse", "color": [0.8, 0.8, 0.8]},
    "red": {"type": "diffuse", "color": [0.8, 0.1, 0.1]}
  },
  "lights": [{"type": "point", "position": [2, 8, 4], "color": [1, 1, 1], "intensity": 100}],
  "objects": [
    {"type": "plane", "point": [0, 0, 0], "normal": [0, 1, 0], "material": "white"},
    {"type": "box", "min": [-0.5, 0, -0.5], "max": [0.5, 1, 0.5], "material": "red",
     "keyframes": [{"time": 0, "translate": [-6, 0, 0]}, {"time": 1, "translate": [6, 0, 0]}]}
  ]
}`

func TestFillTracesDisoccludedPixelsAndFollowsAMovingObject(t *testing.T) {
	const w, h = 96, 64
	rs := parseScene(t, slidingBox)
	prev, _ := renderFill(t, rs, w, h, 30, render.PatternAll, nil, 32, 32)
	got, traced := renderFill(t, rs, w, h, 31, render.PatternQuarter, &prev, 32, 32)
	ref := reference(t, rs, w, h, 31)
	// The camera is still: a pixel that showed the box and now shows the
	// floor was hidden a frame ago, and must be traced.
	uncovered, onBox := 0, 0
	for i := range w * h {
		was, is := prev.gbuf[render.GBufWords*i+1], got.gbuf[render.GBufWords*i+1]
		if was != is && is == floorID(got.gbuf) {
			uncovered++
			assert.Equal(t, ref[i], got.pix[i], "uncovered pixel (%d, %d)", i%w, i/w)
		}
		if is != floorID(got.gbuf) {
			onBox++
		}
	}
	require.Positive(t, uncovered, "the box moved off some floor pixels")
	require.Greater(t, onBox, 100, "the box is in view")
	// The box's own pixels follow its motion: filled, not traced, and
	// close to what tracing gives.
	assert.Less(t, float64(traced), 0.25*w*h+float64(uncovered)+0.5*float64(onBox), "most of the box is filled")
	assert.Greater(t, psnr(ref, got.pix), 30.0)
	t.Logf("uncovered %d, box %d pixels, traced %d of %d, PSNR %.1f dB", uncovered, onBox, traced, w*h, psnr(ref, got.pix))
}

// floorID is the G-buffer id of the floor: what the top left pixel sees
// in the sliding box scene.
func floorID(gbuf []uint32) uint32 { return gbuf[1] }

// cut looks at a red ball until 0.5 s, then at a blue ball behind the
// camera.
const cut = `{
  "version": 1,
  "render": {"integrator": "whitted", "spp": 1, "max_depth": 4},
  "animation": {"duration": 2, "fps": 60},
  "camera": {"up": [0, 1, 0], "fov": 40, "keyframes": [
    {"time": 0, "position": [0, 0, 0], "look_at": [0, 0, -1]},
    {"time": 0.5, "position": [0, 0, 0], "look_at": [0, 0, -1]},
    {"time": 0.5001, "position": [0, 0, 0], "look_at": [0, 0, 1]},
    {"time": 2, "position": [0, 0, 0], "look_at": [0, 0, 1]}
  ]},
  "background": {"type": "color", "color": [0.1, 0.1, 0.1]},
  "ambient": [0.2, 0.2, 0.2],
  "materials": {
    "red": {"type": "diffuse", "color": [0.8, 0.1, 0.1]},
    "blue": {"type": "diffuse", "color": [0.1, 0.1, 0.8]}
  },
  "lights": [{"type": "point", "position": [0, 5, 0], "color": [1, 1, 1], "intensity": 50}],
  "objects": [
    {"type": "sphere", "center": [0, 0, -4], "radius": 2, "material": "red"},
    {"type": "sphere", "center": [0, 0, 4], "radius": 2, "material": "blue"}
  ]
}`

func TestFillAfterACameraCutTracesEveryPixel(t *testing.T) {
	const w, h = 64, 48
	rs := parseScene(t, cut)
	prev, _ := renderFill(t, rs, w, h, 30, render.PatternAll, nil, 16, 16) // 0.5 s: the red ball
	got, traced := renderFill(t, rs, w, h, 31, render.PatternQuarter, &prev, 16, 16)
	assert.Equal(t, reference(t, rs, w, h, 31), got.pix)
	assert.Equal(t, uint64(w*h), traced)
	// A frame later, the same view: the pattern and the fill again.
	next, traced := renderFill(t, rs, w, h, 32, render.PatternQuarter, &got, 16, 16)
	assert.Less(t, traced, uint64(w*h/2))
	assert.Greater(t, psnr(reference(t, rs, w, h, 32), next.pix), 35.0)
}

func TestFillRejectsBadBuffers(t *testing.T) {
	const w, h = 16, 16
	_, rs := open(t, "default")
	full := newFrameBufs(w, h)
	tile := render.Tile{X1: w, Y1: h}
	for name, dst := range map[string]render.Target{
		"pattern without G-buffer": {Pix: full.pix, W: w, H: h},
		"short G-buffer":           {Pix: full.pix, GBuf: full.gbuf[:w*h], W: w, H: h},
		"short history":            {Pix: full.pix, GBuf: full.gbuf, Hist: render.History{Pix: full.pix[:8]}, W: w, H: h},
		"G-buffer without pixels":  {Pix: full.pix, GBuf: full.gbuf, Hist: render.History{GBuf: full.gbuf}, W: w, H: h},
	} {
		_, err := rs.RenderTile(dst, tile, render.Quality{Pattern: render.PatternHalf})
		assert.ErrorIs(t, err, render.ErrTile, name)
	}
	_, err := rs.RenderTile(render.Target{Pix: full.pix, GBuf: full.gbuf, W: w, H: h}, tile, render.Quality{PixelStep: 2})
	assert.ErrorIs(t, err, render.ErrTile, "a G-buffer at a coarse step")
	_, err = rs.RenderTile(render.Target{Pix: full.pix, GBuf: full.gbuf, W: w, H: h}, tile, render.Quality{Pattern: render.PatternSparse})
	assert.ErrorIs(t, err, render.ErrTile, "sparse with a G-buffer")
	_, err = rs.RenderTile(render.Target{Pix: full.pix, Hist: render.History{Pix: full.pix[:3]}, W: w, H: h}, tile, render.Quality{Pattern: render.PatternSparse})
	assert.ErrorIs(t, err, render.ErrTile, "sparse with a short history")
}

func TestFillSurvivesAGarbageHistory(t *testing.T) {
	const w, h = 32, 18
	_, rs := open(t, "default")
	prev := newFrameBufs(w, h)
	for i := range prev.gbuf { // NaN distances, ids of nothing in the scene, any normal
		prev.gbuf[i] = 0x7fc00000 + uint32(i)*2654435761
	}
	got, _ := renderFill(t, rs, w, h, 9, render.PatternQuarter, &prev, 8, 8)
	assert.Greater(t, psnr(reference(t, rs, w, h, 9), got.pix), 25.0)
}

func TestBilinearIsTheSameWhateverTheTilingAndBeatsBlocks(t *testing.T) {
	const w, h = 160, 90
	_, rs := open(t, "default")
	ref := reference(t, rs, w, h, 77)
	for _, k := range []int{2, 3, 5} {
		q := render.Quality{SPP: 1, MaxDepth: 4, PixelStep: k, Bilinear: true}
		whole := newTarget(w, h, false)
		st, err := rs.RenderTile(whole, render.Tile{X1: w, Y1: h, Frame: 77}, q)
		require.NoError(t, err)
		assert.Equal(t, uint64(((w+k-1)/k)*((h+k-1)/k)), st.Traced, "step %d: each block counted once", k)
		for _, size := range [][2]int{{1, 1}, {7, 5}, {k * 8, k * 8}} {
			tiled := newTarget(w, h, false)
			var wg sync.WaitGroup
			for _, tile := range tiles(w, h, size[0], size[1], 77, uint64(k)) {
				wg.Go(func() {
					_, err := rs.RenderTile(tiled, tile, q)
					assert.NoError(t, err)
				})
			}
			wg.Wait()
			require.Equal(t, whole.Pix, tiled.Pix, "step %d tiles %v", k, size)
		}
		blocks := newTarget(w, h, false)
		q.Bilinear = false
		_, err = rs.RenderTile(blocks, render.Tile{X1: w, Y1: h, Frame: 77}, q)
		require.NoError(t, err)
		assert.Greater(t, psnr(ref, whole.Pix), psnr(ref, blocks.Pix), "step %d", k)
		t.Logf("step %d: bilinear %.2f dB, blocks %.2f dB", k, psnr(ref, whole.Pix), psnr(ref, blocks.Pix))
	}
}

// renderSparse renders frame n whole with pattern p (PatternSparse or
// PatternChecker) from prev (nil: none) in tiles of tw x th from
// concurrent goroutines.
func renderSparse(t *testing.T, rs *render.Scene, p render.Pattern, w, h, n int, prev []uint32, tw, th int) ([]uint32, uint64) {
	t.Helper()
	dst := newTarget(w, h, false)
	if prev != nil {
		dst.Hist = render.History{Frame: n - 1, Pix: prev}
	}
	var mu sync.Mutex
	var traced uint64
	var wg sync.WaitGroup
	for _, tile := range tiles(w, h, tw, th, n, uint64(n)) {
		wg.Go(func() {
			st, err := rs.RenderTile(dst, tile, render.Quality{SPP: 1, MaxDepth: 4, Pattern: p})
			assert.NoError(t, err)
			mu.Lock()
			traced += st.Traced
			mu.Unlock()
		})
	}
	wg.Wait()
	return dst.Pix, traced
}

func TestSparseTracesAQuarterAndFillsAlongTheMotion(t *testing.T) {
	const w, h = 160, 90
	_, rs := open(t, "default")
	prev := reference(t, rs, w, h, 40)
	ref := reference(t, rs, w, h, 41)
	blocks := newTarget(w, h, false)
	_, err := rs.RenderTile(blocks, render.Tile{X1: w, Y1: h, Frame: 41}, render.Quality{SPP: 1, MaxDepth: 4, PixelStep: 2})
	require.NoError(t, err)
	db := map[render.Pattern]float64{}
	for _, p := range []render.Pattern{render.PatternSparse, render.PatternChecker} {
		got, traced := renderSparse(t, rs, p, w, h, 41, prev, 64, 64)
		for y := range h {
			for x := range w {
				if p.Traces(x, y, 41) {
					require.Equal(t, ref[y*w+x], got[y*w+x], "%v: traced pixel (%d, %d)", p, x, y)
				}
			}
		}
		assert.Equal(t, uint64(w*h*p.Share()), traced, "%v", p)
		db[p] = psnr(ref, got)
		assert.Greater(t, db[p], psnr(ref, blocks.Pix)+2, "%v: better than step 2 blocks, which trace a quarter", p)
		t.Logf("%v %.2f dB, step 2 blocks %.2f dB", p, db[p], psnr(ref, blocks.Pix))
		for _, size := range [][2]int{{1, 1}, {7, 5}, {16, 16}} {
			tiled, _ := renderSparse(t, rs, p, w, h, 41, prev, size[0], size[1])
			require.Equal(t, got, tiled, "%v: tiles %v", p, size)
		}
		alone, _ := renderSparse(t, rs, p, w, h, 41, nil, 64, 64)
		assert.Greater(t, psnr(ref, alone), psnr(ref, blocks.Pix), "%v without history: mixed from the traced pixels", p)
	}
	assert.Greater(t, db[render.PatternChecker], db[render.PatternSparse]+1, "checker traces twice as many pixels")
}

// TestCheckerFillsImagesOfOneRowOrColumn requires PatternChecker to fill
// images too thin for four traced pixels beside a filled one, the one
// pixel of a 1x1 image traced in every frame.
func TestCheckerFillsImagesOfOneRowOrColumn(t *testing.T) {
	_, rs := open(t, "default")
	for _, size := range [][2]int{{1, 1}, {1, 9}, {9, 1}, {2, 2}} {
		w, h := size[0], size[1]
		prev := reference(t, rs, w, h, 40)
		for _, hist := range [][]uint32{nil, prev} {
			got, traced := renderSparse(t, rs, render.PatternChecker, w, h, 41, hist, 4, 4)
			want := uint64(w * h / 2) // frame 41 traces the pixels with x+y odd
			if w*h == 1 {
				want = 1
			}
			assert.Equal(t, want, traced, "%dx%d", w, h)
			ref := reference(t, rs, w, h, 41)
			for i, p := range got {
				assert.NotZero(t, p>>24, "%dx%d: pixel %d written", w, h, i)
			}
			if w*h == 1 {
				assert.Equal(t, ref, got, "1x1: its pixel traced")
			}
		}
	}
}

func TestSparseAfterACameraCutStaysWithinWhatItTraced(t *testing.T) {
	const w, h = 64, 48
	rs := parseScene(t, cut)
	prev := reference(t, rs, w, h, 30) // the red ball
	ref := reference(t, rs, w, h, 31)  // the blue ball
	for _, p := range []render.Pattern{render.PatternSparse, render.PatternChecker} {
		got, _ := renderSparse(t, rs, p, w, h, 31, prev, 16, 16)
		// The red ball behind the camera cannot come back: every filled
		// pixel is clamped to the blue pixels traced around it.
		red := 0
		for i := range got {
			if int(got[i]&0xff) > int(ref[i]&0xff)+16 {
				red++
			}
		}
		assert.Less(t, red, len(got)/100, "%v: pixels redder than the blue ball", p)
		assert.Greater(t, psnr(ref, got), 30.0, "%v", p)
		// Without the clamp, the frame before the cut would show through.
		assert.Greater(t, psnr(ref, got), psnr(ref, prev)+10, "%v", p)
	}
}

// TestFillWithALensTracesItsPattern requires the patterns to render a
// lens camera's frames (spheres has a lens), their traced pixels the same
// bytes as RenderTile's.
func TestFillWithALensTracesItsPattern(t *testing.T) {
	const w, h = 64, 36
	_, rs := open(t, "spheres")
	prev, _ := renderFill(t, rs, w, h, 0, render.PatternAll, nil, 13, 7)
	require.Equal(t, reference(t, rs, w, h, 0), prev.pix)
	ref := reference(t, rs, w, h, 1)
	for _, p := range []render.Pattern{render.PatternHalf, render.PatternQuarter} {
		got, _ := renderFill(t, rs, w, h, 1, p, &prev, 13, 7)
		for y := range h {
			for x := range w {
				if p.Traces(x, y, 1) {
					require.Equal(t, ref[y*w+x], got.pix[y*w+x], "%v: traced pixel (%d, %d)", p, x, y)
				}
			}
		}
	}
	for _, p := range []render.Pattern{render.PatternSparse, render.PatternChecker} {
		dst := render.Target{Pix: make([]uint32, w*h), Hist: render.History{Frame: 0, Pix: prev.pix}, W: w, H: h}
		_, err := rs.RenderTile(dst, render.Tile{X1: w, Y1: h, Frame: 1}, render.Quality{SPP: 1, MaxDepth: 4, Pattern: p})
		require.NoError(t, err)
		for y := range h {
			for x := range w {
				if p.Traces(x, y, 1) {
					require.Equal(t, ref[y*w+x], dst.Pix[y*w+x], "%v: traced pixel (%d, %d)", p, x, y)
				}
			}
		}
	}
}
