package main

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"os"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"strings"
	"time"

	"github.com/shmrun/shmrun/arena"
	"github.com/shmrun/shmrun/cluster"
	"github.com/shmrun/shmrun/cmd/trace/internal/output"
	"github.com/shmrun/shmrun/cmd/trace/internal/render"
	"github.com/shmrun/shmrun/cmd/trace/internal/scene"
	"github.com/shmrun/shmrun/cmd/trace/internal/view"
	"github.com/shmrun/shmrun/runtime"
)

// session is one run of the renderer: the scene in the arena, the pool,
// the framebuffers and where finished frames go.
type session struct {
	cfg  config
	fps  float64       // the scene's frame rate
	sc   *render.Scene // the master's own view of the blob in the arena
	base render.Quality
	pool *runtime.Pool
	fb   [slots]arena.Region
	// gbufs: the arena has a G-buffer per framebuffer, which frames at
	// pixel step 1 write (an animation, with -fps and -fill reproject or
	// with -pattern)
	gbufs bool
	out   output.Sink // -o
	view  view.View   // -view
	sink  output.Sink // -o and -view
	// held is the -view http that -hold keeps serving after the render:
	// close leaves it open, endView or abandon closes it.
	held   *view.HTTP
	status view.Status // the figures of the latest frame shown
	img    [slots]*image.RGBA

	statsFile *laterFile // -stats, opened before the first frame; nil: none
	stderr    io.Writer  // where the progress bar goes, if it is a terminal
	last      *runState  // the latest run, for its stats
	// moreStats add keys to the -stats object (see statsKeys).
	moreStats []func(keys map[string]any)
	tileLog   *tileLog         // the master's tile statistics, reported through a proxy
	cluster   *cluster.Cluster // with -cluster or -nats: the hosts
	hostTiles hostTiles
	marks     masterTracks // the master's tracks on the -timeline
}

// open loads and compiles the scene, checks that it and the frames fit in
// memory, opens the outputs, then starts the pool and lays out the arena:
// input and outputs are refused before any worker starts.
func open(ctx context.Context, cfg config, stderr io.Writer) (*session, error) {
	sc, err := loadScene(cfg.scene)
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
	animated := sc.Time(1) != sc.Time(0)
	if cfg.pattern != render.PatternAll && !animated {
		return nil, badInput(fmt.Errorf("-pattern %v: scene %s is still (its frames refine one image)", cfg.pattern, cfg.scene))
	}
	if cfg.psnr && !animated {
		return nil, badInput(fmt.Errorf("-psnr: scene %s is still (its frames refine one image: each is its full quality so far)", cfg.scene))
	}
	gbufs := animated && (cfg.pattern != render.PatternAll || (cfg.fps > 0 && cfg.fill == "reproject"))
	// An animation at a coarse step mixes its blocks, unless -fill blocks.
	base.Bilinear = animated && cfg.fill == "reproject" && base.PixelStep > 1
	need := len(blob) + slots*4*cfg.w*cfg.h + 2*16*cfg.w*cfg.h + tileLogArena(cfg.workers) + (1 << 20)
	if gbufs {
		need += slots * 4 * render.GBufWords * cfg.w * cfg.h
	}
	if err := checkMemory(cfg, need); err != nil {
		return nil, badInput(err)
	}
	s := &session{cfg: cfg, base: base, fps: sc.FPS, stderr: stderr, gbufs: gbufs}
	if err := s.openOutputs(); err != nil {
		s.abandon(ctx)
		return nil, badInput(err)
	}
	o := &runtime.Options{Workers: cfg.workers, Mode: cfg.mode, ArenaSize: need, Timeline: cfg.timeline, Stderr: stderr,
		PinWorkers: cfg.pin && cfg.workers <= goruntime.NumCPU()}
	adjustPoolOptions(o)
	if s.pool, err = runtime.Start(ctx, o); err != nil {
		s.abandon(ctx)
		return nil, err
	}
	s.marks = newMasterTracks(s.pool)
	if s.tileLog, err = openTileLog(ctx, s); err != nil {
		s.abandon(ctx)
		return nil, err
	}
	if err := s.layout(blob); err != nil {
		s.abandon(ctx)
		return nil, err
	}
	if err := s.openCluster(ctx); err != nil {
		s.abandon(ctx)
		return nil, err
	}
	return s, nil
}

// loadScene loads the -scene. When there is no scene of that name, the
// error lists the scenes there are and the one the name most likely meant.
func loadScene(ref string) (*scene.Scene, error) {
	sc, err := scene.Load(ref)
	if err == nil || !errors.Is(err, scene.ErrNotFound) || sceneExists(ref) {
		return sc, err // a scene that exists but a mesh of it that does not
	}
	names := scene.Names()
	return nil, fmt.Errorf("%w; %sthe scenes are %s", err, didYouMean(ref, names...), strings.Join(names, ", "))
}

// sceneExists reports whether ref names a scene as scene.Load finds them.
func sceneExists(ref string) bool {
	for _, p := range []string{ref, filepath.Join("scenes", ref+".json")} {
		if _, err := os.Stat(p); err == nil {
			return true
		}
	}
	return slices.Contains(scene.Names(), ref)
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
	for i := 0; i < slots && s.gbufs; i++ {
		if _, err = a.Alloc(gbufRegion(i), 4*render.GBufWords*w*h, arena.KindBytes); err != nil {
			return err
		}
	}
	return nil
}

func (s *session) sceneFPS() float64 {
	if s.fps > 0 {
		return s.fps
	}
	return output.DefaultFPS
}

// Time the pool's Close gives the tasks in flight before it kills their
// workers: after a render, tiles are about to end; after an interruption,
// nothing waits for them, and Ctrl-C must stop fast.
const (
	closeGrace     = 10 * time.Second
	interruptGrace = time.Second
)

// close shuts everything down, the -stats file and a held view apart (see
// renderAll); it returns the first error. Even when ctx is done, it gives
// the tasks in flight some time (interruptGrace after an interruption) to
// end before the pool kills their workers; the pool writes the -timeline
// either way.
func (s *session) close(ctx context.Context) error {
	var err error
	if s.out != nil {
		err = s.out.Close()
	}
	if s.view != nil && s.held == nil {
		if cerr := s.view.Close(); err == nil {
			err = cerr
		}
	}
	if s.pool != nil {
		s.tileLog.close() // before the pool: the hub's goroutines use the arena
		grace := closeGrace
		if isInterrupt(context.Cause(ctx)) {
			grace = interruptGrace
		}
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
		defer cancel()
		if cerr := s.pool.Close(ctx); err == nil {
			err = cerr
		}
		if cerr := s.closeCluster(); err == nil {
			err = cerr
		}
	}
	return err
}

// abandon closes a session that will render nothing, its view included:
// it removes the -stats file if it made it.
func (s *session) abandon(ctx context.Context) {
	s.close(ctx)
	if s.held != nil {
		s.held.Close()
	}
	s.statsFile.abandon()
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
	q.Pattern = cfg.pattern
	q.PixelStep = max(q.PixelStep, cfg.step)
	return q, nil
}
