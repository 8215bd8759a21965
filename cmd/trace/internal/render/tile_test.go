package render_test

import (
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/cmd/trace/internal/render"
	"github.com/shmrun/shmrun/cmd/trace/internal/scene"
)

// opened caches compiled scenes: compiling the terrain's BVH is the
// slowest step of the tests under -race.
var opened sync.Map // name -> *openedScene

type openedScene struct {
	once sync.Once
	s    *scene.Scene
	rs   *render.Scene
	err  error
}

// open loads, compiles and opens an embedded scene, once per test binary.
func open(t testing.TB, name string) (*scene.Scene, *render.Scene) {
	t.Helper()
	v, _ := opened.LoadOrStore(name, &openedScene{})
	o := v.(*openedScene)
	o.once.Do(func() {
		if o.s, o.err = scene.Load(name); o.err != nil {
			return
		}
		blob, err := render.Compile(o.s)
		if err != nil {
			o.err = err
			return
		}
		o.rs, o.err = render.Open(blob)
	})
	require.NoError(t, o.err)
	return o.s, o.rs
}

func newTarget(w, h int, accum bool) render.Target {
	dst := render.Target{Pix: make([]uint32, w*h), W: w, H: h}
	if accum {
		dst.Accum, dst.Prev = make([]float32, 4*w*h), make([]float32, 4*w*h)
	}
	return dst
}

// tiles splits a w x h image into tiles of tw x th, in a shuffled order.
func tiles(w, h, tw, th, frame int, seed uint64) []render.Tile {
	var ts []render.Tile
	for y := 0; y < h; y += th {
		for x := 0; x < w; x += tw {
			ts = append(ts, render.Tile{X0: x, Y0: y, X1: min(x+tw, w), Y1: min(y+th, h), Frame: frame})
		}
	}
	r := rand.New(rand.NewPCG(seed, 0))
	r.Shuffle(len(ts), func(i, j int) { ts[i], ts[j] = ts[j], ts[i] })
	return ts
}

// TestTilingDoesNotMatter renders each scene as one tile and as tiles of
// odd sizes in shuffled order, from concurrent goroutines, for every pixel
// step and both integrators: the bytes must be identical.
func TestTilingDoesNotMatter(t *testing.T) {
	const w, h = 37, 23
	for _, name := range []string{"default", "cornell", "spheres"} {
		_, rs := open(t, name)
		for _, q := range []render.Quality{
			{SPP: 2, MaxDepth: 3, PixelStep: 1, Integrator: render.Whitted},
			{SPP: 2, MaxDepth: 3, PixelStep: 2, Integrator: render.Path},
			{SPP: 1, MaxDepth: 3, PixelStep: 4, Integrator: render.Whitted},
		} {
			whole := newTarget(w, h, false)
			_, err := rs.RenderTile(whole, render.Tile{X1: w, Y1: h, Frame: 42}, q)
			require.NoError(t, err)
			for k, size := range [][2]int{{1, 1}, {5, 3}, {16, 16}} {
				tiled := newTarget(w, h, false)
				var wg sync.WaitGroup
				for i, tile := range tiles(w, h, size[0], size[1], 42, uint64(k*7)) {
					wg.Go(func() {
						_, err := rs.RenderTile(tiled, tile, q)
						assert.NoError(t, err)
					})
					if i%8 == 7 {
						wg.Wait()
					}
				}
				wg.Wait()
				require.Equal(t, whole.Pix, tiled.Pix, "%s %+v tiles %v", name, q, size)
			}
		}
	}
}

// TestProgressive checks that passes accumulate, that a re-run pass gives
// the same bytes (a crashed worker's tile can be redone), and that the
// result does not depend on which process or tile order did the passes.
func TestProgressive(t *testing.T) {
	const w, h = 24, 16
	_, rs := open(t, "cornell")
	q := render.Quality{SPP: 2, MaxDepth: 4, Integrator: render.Path}
	run := func(order uint64) render.Target {
		a, b := newTarget(w, h, true), newTarget(w, h, true)
		for pass := 0; pass < 3; pass++ {
			dst := render.Target{Pix: a.Pix, Accum: a.Accum, Prev: b.Accum, W: w, H: h}
			for _, tile := range tiles(w, h, 7, 5, 0, order+uint64(pass)) {
				tile.Sample = pass * q.SPP
				_, err := rs.RenderTile(dst, tile, q)
				require.NoError(t, err)
				_, err = rs.RenderTile(dst, tile, q) // re-run: must not double-count
				require.NoError(t, err)
			}
			a.Accum, b.Accum = b.Accum, a.Accum
		}
		a.Accum = b.Accum // the last pass's sums
		return a
	}
	x, y := run(1), run(99)
	assert.Equal(t, x.Pix, y.Pix)
	assert.Equal(t, x.Accum, y.Accum)
	for i := 0; i < w*h; i++ {
		require.Equal(t, float32(6), x.Accum[4*i+3], "sample count of pixel %d", i)
	}
	// Without accumulation, 6 samples in one pass see the same samples.
	once := newTarget(w, h, false)
	_, err := rs.RenderTile(once, render.Tile{X1: w, Y1: h}, render.Quality{SPP: 6, MaxDepth: 4, Integrator: render.Path})
	require.NoError(t, err)
	differ := 0
	for i := range once.Pix {
		if d := channelDiff(once.Pix[i], x.Pix[i]); d > 1 {
			differ++
		}
	}
	assert.Zero(t, differ, "float32 sums may round differently by at most one step")
}

func channelDiff(a, b uint32) int {
	d := 0
	for s := 0; s < 24; s += 8 {
		d = max(d, abs(int(a>>s&0xff)-int(b>>s&0xff)))
	}
	return d
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// TestWritesOnlyInsideTile fills the buffers with a marker and checks that
// nothing outside the tile changed, for a pixel step whose blocks straddle
// the tile's edges.
func TestWritesOnlyInsideTile(t *testing.T) {
	const w, h, marker = 20, 12, 0xdeadbeef
	_, rs := open(t, "default")
	dst := newTarget(w, h, true)
	for i := range dst.Pix {
		dst.Pix[i] = marker
	}
	for i := range dst.Accum {
		dst.Accum[i] = -1
	}
	tile := render.Tile{X0: 3, Y0: 5, X1: 11, Y1: 9, Sample: 0}
	st, err := rs.RenderTile(dst, tile, render.Quality{PixelStep: 4})
	require.NoError(t, err)
	assert.Equal(t, uint64(8*4), st.Pixels)
	assert.Equal(t, uint64(3*2), st.Samples, "blocks x 0-3, 4-7, 8-11 and y 4-7, 8-11 touch the tile")
	assert.Positive(t, st.Rays)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			inside := x >= 3 && x < 11 && y >= 5 && y < 9
			i := y*w + x
			assert.Equal(t, inside, dst.Pix[i] != marker, "pixel %d,%d", x, y)
			assert.Equal(t, inside, dst.Accum[4*i] != -1, "accum %d,%d", x, y)
		}
	}
}

func TestRenderTileRejectsBadArguments(t *testing.T) {
	_, rs := open(t, "default")
	ok := newTarget(8, 8, false)
	for name, c := range map[string]struct {
		dst  render.Target
		tile render.Tile
		q    render.Quality
	}{
		"outside":     {ok, render.Tile{X0: 4, Y0: 0, X1: 9, Y1: 8}, render.Quality{}},
		"negative":    {ok, render.Tile{X0: -1, Y0: 0, X1: 4, Y1: 8}, render.Quality{}},
		"empty":       {ok, render.Tile{X0: 4, Y0: 4, X1: 4, Y1: 8}, render.Quality{}},
		"short pix":   {render.Target{Pix: make([]uint32, 63), W: 8, H: 8}, render.Tile{X1: 8, Y1: 8}, render.Quality{}},
		"short accum": {render.Target{Pix: ok.Pix, Accum: make([]float32, 255), W: 8, H: 8}, render.Tile{X1: 8, Y1: 8}, render.Quality{}},
		"zero size":   {render.Target{}, render.Tile{X1: 1, Y1: 1}, render.Quality{}},
		"spp":         {ok, render.Tile{X1: 8, Y1: 8}, render.Quality{SPP: -1}},
		"step":        {ok, render.Tile{X1: 8, Y1: 8}, render.Quality{PixelStep: 17}},
		"depth":       {ok, render.Tile{X1: 8, Y1: 8}, render.Quality{MaxDepth: 65}},
		"integrator":  {ok, render.Tile{X1: 8, Y1: 8}, render.Quality{Integrator: 9}},
		"sample":      {ok, render.Tile{X1: 8, Y1: 8, Sample: -1}, render.Quality{}},
		"huge":        {render.Target{W: 1 << 20, H: 1 << 20}, render.Tile{X1: 1, Y1: 1}, render.Quality{}},
	} {
		_, err := rs.RenderTile(c.dst, c.tile, c.q)
		assert.ErrorIs(t, err, render.ErrTile, name)
	}
	for _, p := range ok.Pix {
		require.Zero(t, p, "nothing written")
	}
}

func TestPixelLayout(t *testing.T) {
	assert.Equal(t, uint32(0xff030201), render.Pixel(1, 2, 3))
}

func TestAnimationMoves(t *testing.T) {
	const w, h = 32, 18
	_, rs := open(t, "default")
	a, b := newTarget(w, h, false), newTarget(w, h, false)
	_, err := rs.RenderTile(a, render.Tile{X1: w, Y1: h, Frame: 0}, render.Quality{})
	require.NoError(t, err)
	_, err = rs.RenderTile(b, render.Tile{X1: w, Y1: h, Frame: 60}, render.Quality{})
	require.NoError(t, err)
	assert.NotEqual(t, a.Pix, b.Pix, "the camera moves")
	assert.Equal(t, 480, rs.Frames())
	assert.InDelta(t, rs.Time(7), rs.Time(7+rs.Frames()), 1e-12, "the animation loops")
	assert.Equal(t, 1.0, rs.Time(60))
}
