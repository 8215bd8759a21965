package main

import (
	"context"
	"fmt"
	"image"
	"io"
	"os"
	goruntime "runtime"
	"time"

	"github.com/shmrun/shmrun/arena"
	"github.com/shmrun/shmrun/cmd/trace/internal/output"
	"github.com/shmrun/shmrun/cmd/trace/internal/render"
	"github.com/shmrun/shmrun/cmd/trace/internal/scene"
	"github.com/shmrun/shmrun/cmd/trace/internal/view"
	"github.com/shmrun/shmrun/runtime"
)

// maxArena bounds the shared memory one run may ask for: a size that
// cannot fit is refused with a clear error instead of failing in mmap.
const maxArena = 8 << 30

// session is one run of the renderer: the scene in the arena, the pool,
// the framebuffers and where finished frames go.
type session struct {
	cfg  config
	fps  float64       // the scene's frame rate
	sc   *render.Scene // the master's own view of the blob in the arena
	base render.Quality
	pool *runtime.Pool
	fb   [slots]arena.Region
	sink output.Sink
	img  [slots]*image.RGBA

	stderr io.Writer // where the progress bar goes, if it is a terminal
	last   *runState // the latest run, for its stats
	// moreStats add keys to the -stats object (see statsKeys).
	moreStats []func(keys map[string]any)
	tileLog   *tileLog // the master's tile statistics, reported through a proxy
}

// open loads and compiles the scene, starts the pool and lays out the arena.
func open(ctx context.Context, cfg config, stderr io.Writer) (*session, error) {
	sc, err := scene.Load(cfg.scene)
	if err != nil {
		return nil, badInput(err)
	}
	blob, err := render.Compile(sc)
	if err != nil {
		return nil, badInput(err)
	}
	base, err := baseQuality(cfg, sc)
	if err != nil {
		return nil, badInput(err)
	}
	need := len(blob) + slots*4*cfg.w*cfg.h + 2*16*cfg.w*cfg.h + tileLogArena(cfg.workers) + (1 << 20)
	if need > maxArena {
		return nil, badInput(fmt.Errorf("-size %dx%d needs %d MiB of shared memory; the limit is %d MiB",
			cfg.w, cfg.h, need>>20, maxArena>>20))
	}
	s := &session{cfg: cfg, base: base, fps: sc.FPS, stderr: stderr}
	o := &runtime.Options{Workers: cfg.workers, Mode: cfg.mode, ArenaSize: need, Timeline: cfg.timeline, Stderr: stderr,
		PinWorkers: cfg.pin && cfg.workers <= goruntime.NumCPU()}
	if cfg.pool != nil {
		cfg.pool(o)
	}
	s.pool, err = runtime.Start(ctx, o)
	if err != nil {
		return nil, err
	}
	if s.tileLog, err = openTileLog(ctx, s); err != nil {
		s.close(ctx)
		return nil, err
	}
	if err := s.layout(blob); err != nil {
		s.close(ctx)
		return nil, err
	}
	if err := s.openSinks(stderr); err != nil {
		s.close(ctx)
		return nil, err
	}
	return s, nil
}

// layout copies the compiled scene into the arena, once, and allocates the
// framebuffers and accumulation buffers the workers render into.
func (s *session) layout(blob []byte) error {
	a := s.pool.Arena()
	r, err := a.Alloc(sceneRegion, len(blob), arena.KindBytes)
	if err != nil {
		return err
	}
	copy(r.Bytes(), blob)
	if s.sc, err = render.Open(r.Bytes()); err != nil {
		return err
	}
	w, h := s.cfg.w, s.cfg.h
	for i := range s.fb {
		if s.fb[i], err = a.Alloc(fbRegion(i), 4*w*h, arena.KindBytes); err != nil {
			return err
		}
		// The image aliases the shared framebuffer: encoding reads the
		// workers' pixels where they wrote them.
		s.img[i] = &image.RGBA{Pix: s.fb[i].Bytes(), Stride: 4 * w, Rect: image.Rect(0, 0, w, h)}
	}
	for i := range 2 {
		if _, err = a.Alloc(accRegion(i), 16*w*h, arena.KindBytes); err != nil {
			return err
		}
	}
	return nil
}

func (s *session) openSinks(stderr io.Writer) error {
	fps := s.cfg.fps
	if fps == 0 {
		fps = s.sceneFPS()
	}
	out, err := output.Open(s.cfg.out, s.cfg.w, s.cfg.h, fps, s.cfg.frames)
	if err != nil {
		return badInput(err)
	}
	term := os.Stderr
	v, err := view.Open(s.cfg.view, term)
	if err != nil {
		out.Close()
		return badInput(err)
	}
	s.sink = output.Multi(out, v)
	return nil
}

func (s *session) sceneFPS() float64 {
	if s.fps > 0 {
		return s.fps
	}
	return output.DefaultFPS
}

// close shuts everything down; it returns the first error.
func (s *session) close(ctx context.Context) error {
	var err error
	if s.sink != nil {
		err = s.sink.Close()
	}
	if s.pool != nil {
		s.tileLog.close() // before the pool: the hub's goroutines use the arena
		if s.cfg.mode == runtime.Goroutines {
			defer forgetViews(s.pool.Arena())
		}
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if cerr := s.pool.Close(ctx); err == nil {
			err = cerr
		}
	}
	return err
}

// baseQuality is the scene's quality with the flags applied.
func baseQuality(cfg config, sc *scene.Scene) (render.Quality, error) {
	q := render.SceneQuality(sc)
	if cfg.spp > 0 {
		q.SPP = cfg.spp
	}
	if cfg.integrator != "" {
		in, err := render.ParseIntegrator(cfg.integrator)
		if err != nil {
			return q, err
		}
		q.Integrator = in
	}
	if q.SPP == 0 {
		q.SPP = 1
	}
	if q.PixelStep == 0 {
		q.PixelStep = 1
	}
	return q, nil
}
