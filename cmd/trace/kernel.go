package main

import (
	"fmt"
	"sync"
	"time"

	"github.com/shmrun/shmrun/arena"
	"github.com/shmrun/shmrun/cmd/trace/internal/render"
	"github.com/shmrun/shmrun/runtime"
)

// Region names in the pool's arena.
const (
	sceneRegion = "trace.scene"
	slots       = 3 // framebuffers in flight: render n+1, n+2 while presenting n
)

func fbRegion(i int) string   { return fmt.Sprintf("trace.fb.%d", i) }
func accRegion(i int) string  { return fmt.Sprintf("trace.acc.%d", i) }
func gbufRegion(i int) string { return fmt.Sprintf("trace.gbuf.%d", i) }

// tileJob is one task: a tile of a frame rendered into framebuffer Slot.
// With AccOut >= 0 it is a progressive pass: samples are summed into
// accumulation buffer AccOut from AccIn (-1: start from zero). With GBuf
// 1 it writes the G-buffer of Slot too, and with Pattern other than
// render.PatternAll it fills the pixels it does not trace from the frame
// HistFrame in slot HistSlot (-1: none), checked against that slot's
// G-buffer if HistGBuf is 1. With Bilinear 1, a coarse step's pixels are
// mixed from the blocks around them rather than copied from theirs.
type tileJob struct {
	Frame, Sample      int32
	X0, Y0, X1, Y1     int32
	W, H               int32
	Slot               int32
	AccIn, AccOut      int32
	SPP, Depth, Step   int32
	Integrator         int32
	Pattern, GBuf      int32
	HistSlot, HistGBuf int32
	HistFrame          int32
	Bilinear           int32 // 1: a coarse step's pixels mix the blocks around them
}

// tileResult is what a worker reports for a tile.
type tileResult struct {
	Frame, Slot                   int32
	Rays, Samples, Pixels, Traced uint64
	Nanos                         int64 // time spent rendering, in the worker
}

var tileKernel = runtime.Register("trace.tile", renderTile).Remote(tileFootprint)

func renderTile(env *runtime.Env, j tileJob) (tileResult, error) {
	v, err := viewsFor(env, int(j.W), int(j.H), j.GBuf == 1 || j.HistGBuf == 1)
	if err != nil {
		return tileResult{}, err
	}
	dst, err := v.target(j)
	if err != nil {
		return tileResult{}, err
	}
	start := time.Now()
	st, err := v.scene.RenderTile(dst,
		render.Tile{X0: int(j.X0), Y0: int(j.Y0), X1: int(j.X1), Y1: int(j.Y1), Frame: int(j.Frame), Sample: int(j.Sample)},
		render.Quality{SPP: int(j.SPP), MaxDepth: int(j.Depth), PixelStep: int(j.Step), Integrator: render.Integrator(j.Integrator),
			Pattern: render.Pattern(j.Pattern), Bilinear: j.Bilinear == 1})
	if err != nil {
		return tileResult{}, err
	}
	res := tileResult{Frame: j.Frame, Slot: j.Slot, Rays: st.Rays, Samples: st.Samples, Pixels: st.Pixels, Traced: st.Traced,
		Nanos: time.Since(start).Nanoseconds()}
	return res, reportTile(env, tileReport{Frame: j.Frame, X0: j.X0, Y0: j.Y0, Rays: st.Rays, Samples: st.Samples, Nanos: res.Nanos})
}

// views is a process's handles on the arena: the opened scene and the
// framebuffers, found by name once and kept.
type views struct {
	scene *render.Scene
	w, h  int
	fb    [slots][]uint32
	acc   [2][]float32
	gbuf  [slots][]uint32 // nil: a session without G-buffers
}

// processViews is this process's views of a pool's arena, opened by the
// first tile it renders and kept for the pool's life.
var processViews = runtime.NewLocal(func(*runtime.Scope) (*viewSlot, error) { return &viewSlot{}, nil }, nil)

// viewSlot holds a process's views; a job of another frame size (which no
// session sends) opens them again.
type viewSlot struct {
	mu sync.Mutex
	v  *views
}

// viewsFor returns this process's views for frames of w x h, opening them
// again if gbuf asks for G-buffers they were opened without: on a host,
// the regions a task names are made when the first task that names them
// arrives.
func viewsFor(env *runtime.Env, w, h int, gbuf bool) (*views, error) {
	slot, err := processViews.Get(env.Scope())
	if err != nil {
		return nil, err
	}
	slot.mu.Lock()
	defer slot.mu.Unlock()
	if slot.v == nil || slot.v.w != w || slot.v.h != h || (gbuf && slot.v.gbuf[0] == nil) {
		v, err := openViews(env.Arena(), w, h)
		if err != nil {
			return nil, err
		}
		slot.v = v
	}
	return slot.v, nil
}

func openViews(a *arena.Arena, w, h int) (*views, error) {
	r, err := a.Region(sceneRegion)
	if err != nil {
		return nil, err
	}
	sc, err := render.Open(r.Bytes())
	if err != nil {
		return nil, err
	}
	v := &views{scene: sc, w: w, h: h}
	for i := range v.fb {
		if r, err = a.Region(fbRegion(i)); err != nil {
			return nil, err
		}
		if v.fb[i] = r.Uint32s(); len(v.fb[i]) < w*h {
			return nil, fmt.Errorf("framebuffer %d holds %d pixels, not %dx%d", i, len(v.fb[i]), w, h)
		}
		v.fb[i] = v.fb[i][:w*h]
	}
	for i := range v.acc {
		if r, err = a.Region(accRegion(i)); err != nil {
			return nil, err
		}
		if v.acc[i] = r.Float32s(); len(v.acc[i]) < 4*w*h {
			return nil, fmt.Errorf("accumulation buffer %d too small for %dx%d", i, w, h)
		}
		v.acc[i] = v.acc[i][:4*w*h]
	}
	for i := range v.gbuf {
		if r, err = a.Region(gbufRegion(i)); err != nil {
			continue // a session that renders no G-buffer has none
		}
		if v.gbuf[i] = r.Uint32s(); len(v.gbuf[i]) < render.GBufWords*w*h {
			return nil, fmt.Errorf("the G-buffer %d is too small for %dx%d", i, w, h)
		}
		v.gbuf[i] = v.gbuf[i][:render.GBufWords*w*h]
	}
	return v, nil
}

// target returns the buffers a job writes, checking its indices.
func (v *views) target(j tileJob) (render.Target, error) {
	t := render.Target{W: v.w, H: v.h}
	if j.Slot < 0 || int(j.Slot) >= slots || j.AccOut >= 2 || j.AccIn >= 2 || (j.AccIn >= 0 && (j.AccOut < 0 || j.AccIn == j.AccOut)) {
		return t, fmt.Errorf("tile job with slot %d, accumulation %d -> %d", j.Slot, j.AccIn, j.AccOut)
	}
	t.Pix = v.fb[j.Slot]
	if err := v.fill(j, &t); err != nil {
		return t, err
	}
	if j.AccOut >= 0 {
		t.Accum = v.acc[j.AccOut]
		if j.AccIn >= 0 {
			t.Prev = v.acc[j.AccIn]
		}
	}
	return t, nil
}

// fill sets the G-buffer and the history a job asks for, checking them.
func (v *views) fill(j tileJob, t *render.Target) error {
	if j.GBuf == 0 && j.HistSlot < 0 {
		return nil
	}
	if j.GBuf < 0 || j.GBuf > 1 || j.HistSlot >= slots || j.HistSlot == j.Slot || j.HistGBuf < 0 || j.HistGBuf > 1 ||
		(j.GBuf == 1 && v.gbuf[j.Slot] == nil) {
		return fmt.Errorf("tile job with slot %d, G-buffer %d, history in slot %d (G-buffer %d)", j.Slot, j.GBuf, j.HistSlot, j.HistGBuf)
	}
	if j.GBuf == 1 {
		t.GBuf = v.gbuf[j.Slot]
	}
	if j.HistSlot < 0 {
		return nil
	}
	t.Hist = render.History{Frame: int(j.HistFrame), Pix: v.fb[j.HistSlot]}
	if j.HistGBuf == 1 {
		if t.Hist.GBuf = v.gbuf[j.HistSlot]; t.Hist.GBuf == nil {
			return fmt.Errorf("tile job with history in slot %d, which has no G-buffer", j.HistSlot)
		}
	}
	return nil
}
