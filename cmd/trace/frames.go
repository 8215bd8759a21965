package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/shmrun/shmrun/cmd/trace/internal/render"
	"github.com/shmrun/shmrun/runtime"
)

// renderAll runs a whole session: open, render every frame, close, and
// report. An interrupted run (ctx's cause an *interrupted) still reports
// the frames it showed, and returns the interruption: the first cause
// wins over what it did to the frames in flight and to the pool. With
// -view http (and -hold), a run that succeeded then serves its last frame
// until ctx ends (see endView).
func renderAll(ctx context.Context, cfg config, stderr io.Writer) error {
	s, err := open(ctx, cfg, stderr)
	if err != nil {
		err = firstCause(ctx, err)
		if isInterrupt(err) && !cfg.quiet {
			fmt.Fprintf(stderr, "trace: %v before the first frame\n", err)
		}
		return err
	}
	runErr := firstCause(ctx, s.run(ctx))
	if runErr == nil && cfg.psnr {
		s.last.psnr, runErr = s.comparePSNR(ctx)
		runErr = firstCause(ctx, runErr)
	}
	var rep *report
	if runErr == nil || isInterrupt(runErr) {
		rep = s.report(runErr) // while the pool, which has counters to add, is open
	} else {
		s.statsFile.abandon()
	}
	if err := s.close(ctx); runErr == nil {
		runErr = err
	}
	if rep == nil {
		return s.endView(ctx, runErr, stderr)
	}
	// After the live view has let go of the terminal.
	if err := rep.write(stderr, cfg.quiet); err != nil {
		if runErr != nil {
			fmt.Fprintln(stderr, "trace:", err) // the interruption stays the outcome
		} else {
			runErr = err
		}
	}
	return s.endView(ctx, runErr, stderr)
}

// firstCause returns ctx's cause instead of err when ctx was interrupted:
// err is then only what the interruption did.
func firstCause(ctx context.Context, err error) error {
	if cause := context.Cause(ctx); err != nil && isInterrupt(cause) {
		return cause
	}
	return err
}

// frame is the plan and the outcome of one frame.
type frame struct {
	n       int
	slot    int
	q       render.Quality
	accIn   int      // -1: no previous sum
	accOut  int      // -1: not a progressive pass
	sample  int      // first sample index of this pass
	tile    int      // tile side in pixels; 0: -tile
	gbuf    bool     // it writes its slot's G-buffer
	hist    *histRef // the frame its pattern fills from; nil: none
	start   time.Time
	done    time.Time
	results []tileResult
	// TracedShare is the share of the frame's pixels traced fresh in it
	// (at a pixel step k, one a block), rather than filled from the
	// previous frame or copied from a block's traced pixel; set once the
	// frame is rendered.
	TracedShare float64
}

// histRef is the previous frame as the next one fills from it.
type histRef struct {
	n, slot int
	gbuf    bool // it has a G-buffer to check against
}

// runState is one run's pacing, quality control and measurements.
type runState struct {
	sc     *render.Scene
	base   render.Quality
	frames int
	pace   *pacer      // nil: unpaced
	ctl    *controller // nil: every frame at base quality
	stats  *runStats
	bar    *progress // nil: no progress bar
	// gbuf: frames at pixel step 1 write G-buffers, for the next frame to
	// fill from (an animation, with -fill reproject)
	gbuf bool
	// shown, with -psnr: what the presenter showed, for the replay
	shown []shownFrame
	psnr  *psnrResult // with -psnr, once measured
}

// newRun prepares a run. A paced run first renders a frame at its cheapest
// quality, unshown and unmeasured, so that its clock starts with every
// worker started and the scene open in each: the first frame that counts
// does not pay for the program's start.
func (s *session) newRun(ctx context.Context) (*runState, error) {
	r := &runState{sc: s.sc, base: s.base, frames: s.cfg.frames, stats: newRunStats(time.Now()), gbuf: s.gbufs}
	s.last = r // an interrupted warm-up reports no frames
	if s.cfg.fps > 0 {
		rungs := ladder(s.base, s.cfg.w, s.cfg.h, s.gbufs)
		warm := &frame{q: rungs[len(rungs)-1].q, accIn: -1, accOut: -1}
		if _, err := runtime.Map(ctx, s.pool, tileKernel, s.tiles(warm), &runtime.MapOptions{Chunk: 1}); err != nil {
			return nil, fmt.Errorf("warm-up frame: %w", err)
		}
		r.ctl = newController(rungs, s.cfg.fps, s.width())
	}
	start := time.Now()
	r.pace = newPacer(s.cfg.fps, start)
	r.stats = newRunStats(start)
	s.tileLog.reset()
	s.beginHostTiles()
	if !s.cfg.quiet {
		r.bar = startProgress(s.stderr, s.cfg.view, s.cfg.frames)
	}
	return r, nil
}

// run renders the frames. Each frame is a parallel map of its tiles, run by
// its own goroutine, so that several frames (one per framebuffer slot) are
// in flight at once; a presenter encodes finished frames in order, straight
// from the arena, and hands their slots back. With -fps, a pacer releases
// frame n no earlier than n periods after the start and shows it at its
// deadline, and a controller picks each frame's quality. run may be called
// again on the same session; s.last holds the latest run's measurements.
//
// The first failure (a frame's, the presenter's, or ctx's cause) cancels
// the run with itself as the cause, and run returns that cause: the
// frames it cancelled fail with context.Canceled, which never wins.
func (s *session) run(ctx context.Context) error {
	ctx, fail := context.WithCancelCause(ctx)
	defer fail(nil)
	r, err := s.newRun(ctx)
	if err != nil {
		return err
	}
	defer r.bar.close()
	free := make(chan int, slots)
	for i := range slots {
		free <- i
	}
	finished := make(chan *frame, slots)
	presented := make(chan struct{})
	go func() { s.present(ctx, r, finished, free, fail); close(presented) }()

	var wg sync.WaitGroup
	var prev *frame
	var prevDone chan struct{}
	// readers: for a slot, the done channel of the frame in flight that
	// fills from it; a frame given that slot waits for it
	readers := map[int]chan struct{}{}
	for n := 0; n < s.cfg.frames && ctx.Err() == nil; n++ {
		slot, ok := s.freeSlot(ctx, n, free)
		if !ok {
			continue
		}
		if r.pace != nil && !sleepUntil(ctx, r.pace.release(n)) {
			continue
		}
		f := r.plan(n, slot, prev)
		f.tile = s.tileSide(f.q.PixelStep)
		s.marks.started(f)
		if reader, ok := readers[f.slot]; ok {
			select { // not to overwrite the slot while a frame reads it
			case <-reader:
			case <-ctx.Done():
				continue
			}
			delete(readers, f.slot)
		}
		if prevDone != nil && !r.awaitPrevious(ctx, f, prevDone) {
			continue
		}
		done := make(chan struct{})
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(done)
			if err := s.renderFrame(ctx, r, f); err != nil {
				fail(err) // no-op if the run was cancelled first: then err is its consequence
				return
			}
			finished <- f
		}()
		prev, prevDone = f, done
		if f.hist != nil {
			readers[f.hist.slot] = done
		}
	}
	wg.Wait()
	close(finished)
	<-presented
	r.stats.misses = r.pace.missed()
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return nil
}

// awaitPrevious waits, if frame f reads the previous frame, for it to be
// rendered (done closed), and reports false if ctx ended first. A
// progressive pass, or a pattern, reads the previous frame. The sparse
// pattern does without it when a paced frame would wait for it beyond
// half a period after its release (its pixels then mix the traced ones
// around them): one slow frame must not make the next late too.
func (r *runState) awaitPrevious(ctx context.Context, f *frame, done <-chan struct{}) bool {
	if f.accIn < 0 && f.hist == nil {
		return true
	}
	var giveUp <-chan time.Time
	if f.accIn < 0 && f.q.Pattern.Clamped() && r.pace != nil {
		t := time.NewTimer(time.Until(r.pace.release(f.n).Add(r.pace.period / 2)))
		defer t.Stop()
		giveUp = t.C
	}
	select {
	case <-done:
		return true
	case <-giveUp:
		f.hist = nil
		return true
	case <-ctx.Done():
		return false
	}
}

// freeSlot waits for a free framebuffer for frame n, marking the wait on
// the timeline if there was none; ok is false if ctx ended first.
func (s *session) freeSlot(ctx context.Context, n int, free <-chan int) (slot int, ok bool) {
	select {
	case slot = <-free:
		return slot, true
	default:
	}
	since := time.Now()
	select {
	case slot = <-free:
		s.marks.waitedForSlot(n, since)
		return slot, true
	case <-ctx.Done():
		return 0, false
	}
}

// plan decides frame n's quality and whether it continues the previous
// frame's accumulation: it does when the scene looks the same (same
// animation time) and the quality did not change, so a resting camera
// refines its image pass after pass. A frame keeps sums for the next one
// only when the next one shows the same time: in an animation, summing
// every pixel into a float buffer and tone mapping each (rather than each
// traced block) would cost a frame as much as tracing it at a coarse step.
func (r *runState) plan(n, slot int, prev *frame) *frame {
	q := r.base
	if r.ctl != nil {
		q = r.ctl.choose(n)
	}
	f := &frame{n: n, slot: slot, q: q, accIn: -1, accOut: -1, start: time.Now()}
	switch {
	case prev != nil && prev.accOut >= 0 && r.sc.Time(n) == r.sc.Time(prev.n) && prev.q == f.q:
		f.accIn, f.accOut = prev.accOut, 1-prev.accOut
		f.sample = prev.sample + prev.q.SPP
	case n+1 < r.frames && r.sc.Time(n+1) == r.sc.Time(n):
		f.accOut = 0
	}
	f.gbuf = r.gbuf && f.accOut < 0 && f.q.PixelStep <= 1 && !f.q.Pattern.Clamped()
	if f.q.Pattern != render.PatternAll && prev != nil && prev.n == n-1 {
		f.hist = &histRef{n: prev.n, slot: prev.slot, gbuf: prev.gbuf}
	}
	return f
}

// renderFrame maps the tile kernel over the frame's tiles.
func (s *session) renderFrame(ctx context.Context, r *runState, f *frame) error {
	jobs := s.tiles(f)
	s.tileLog.begin(f.n)
	dispatched := time.Now()
	res, err := runtime.Map(ctx, s.pool, tileKernel, jobs,
		&runtime.MapOptions{Chunk: 1, InFlight: len(jobs), Progress: r.bar.tileCounter()})
	if err == nil { // the tiles posted their reports before they returned
		err = s.tileLog.drain(ctx)
	}
	s.tileLog.end(f.n, err == nil)
	if err != nil {
		return fmt.Errorf("frame %d: %w", f.n, err)
	}
	f.results = res
	f.done = time.Now()
	s.marks.rendered(f, dispatched, len(jobs))
	var busy time.Duration
	var work frameWork
	for _, t := range res {
		busy += time.Duration(t.Nanos)
		work.samples += t.Samples
		work.traced += t.Traced
		work.pixels += t.Pixels
	}
	f.TracedShare = float64(work.traced) / float64(s.cfg.w*s.cfg.h)
	if r.ctl != nil {
		r.ctl.observe(f.q, f.done.Sub(f.start), busy, work)
	}
	return nil
}

// tileSide returns the side of a frame's tiles at a pixel step: -tile
// traced blocks, so that a task holds about the same work at any step (at
// a coarse step, 64-pixel tiles are so little work that dispatching them
// costs more than tracing them), but small enough that the frame has four
// tiles per worker to balance the load.
func (s *session) tileSide(step int) int {
	side := s.cfg.tile * max(step, 1)
	for side > s.cfg.tile && ceilDiv(s.cfg.w, side)*ceilDiv(s.cfg.h, side) < 4*s.width() {
		side -= s.cfg.tile
	}
	return side
}

// tiles cuts a frame into tile jobs, row by row.
func (s *session) tiles(f *frame) []tileJob {
	w, h, t := s.cfg.w, s.cfg.h, s.cfg.tile
	if f.tile > 0 {
		t = f.tile
	}
	job := tileJob{
		Frame: int32(f.n), Sample: int32(f.sample), W: int32(w), H: int32(h), Slot: int32(f.slot),
		AccIn: int32(f.accIn), AccOut: int32(f.accOut),
		SPP: int32(f.q.SPP), Depth: int32(f.q.MaxDepth), Step: int32(f.q.PixelStep),
		Integrator: int32(f.q.Integrator), Pattern: int32(f.q.Pattern), GBuf: b32(f.gbuf), HistSlot: -1,
		Bilinear: b32(f.q.Bilinear),
	}
	if f.hist != nil {
		job.HistSlot, job.HistFrame, job.HistGBuf = int32(f.hist.slot), int32(f.hist.n), b32(f.hist.gbuf)
	}
	jobs := make([]tileJob, 0, ((w+t-1)/t)*((h+t-1)/t))
	for y := 0; y < h; y += t {
		for x := 0; x < w; x += t {
			job.X0, job.Y0, job.X1, job.Y1 = int32(x), int32(y), int32(min(x+t, w)), int32(min(y+t, h))
			jobs = append(jobs, job)
		}
	}
	return jobs
}

func b32(b bool) int32 {
	if b {
		return 1
	}
	return 0
}

// present shows finished frames in order (paced: each at its deadline, a
// late one at once) and frees their slots. A write error fails the run
// (fail cancels it with the error as its cause); present keeps draining
// after it so that no renderer blocks, and shows what finished before an
// interruption.
func (s *session) present(ctx context.Context, r *runState, finished <-chan *frame, free chan<- int, fail func(error)) {
	ahead := map[int]*frame{}
	next := 0
	var err error
	for f := range finished {
		ahead[f.n] = f
		for g, ok := ahead[next]; ok; g, ok = ahead[next] {
			delete(ahead, next)
			if r.pace != nil {
				s.marks.due(g, r.pace.due(g.n))
				sleepUntil(ctx, r.pace.finish(g.n, g.done))
			}
			if err == nil {
				start := time.Now()
				r.stats.shown(g, start)
				if s.cfg.psnr {
					r.shown = append(r.shown, s.record(g))
				}
				r.bar.frameShown()
				s.showStatus(r, g)
				if err = s.sink.WriteFrame(s.img[g.slot], g.n); err != nil {
					fail(err)
				}
				s.marks.encoded(g, start)
			}
			free <- g.slot
			next++
		}
	}
}
