package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/shmrun/shmrun/cmd/trace/internal/view"
)

// showStatus tells the -view the figures of frame f, about to be shown: the
// recent frame rate, its render time, the deadlines missed so far, its
// quality rung and share of pixels traced, and the workers. The presenter
// calls it, after r.stats has recorded f.
func (s *session) showStatus(r *runState, f *frame) {
	s.status = view.Status{
		Frames:         s.cfg.frames,
		FPS:            recentFPS(r.stats.interval),
		TargetFPS:      s.cfg.fps,
		FrameMS:        ms(f.done.Sub(f.start)),
		DeadlineMisses: r.pace.missed(),
		SPP:            f.q.SPP,
		PixelStep:      f.q.PixelStep,
		TracedShare:    f.TracedShare,
		Workers:        s.width(),
	}
	s.view.SetStatus(s.status)
}

// fpsSpan is how far back the live frame rate looks.
const fpsSpan = time.Second

// recentFPS returns the rate of the frames shown over the last fpsSpan,
// from the intervals between them in milliseconds (at least the last one),
// or 0 before there is an interval.
func recentFPS(intervals []float64) float64 {
	sum, n := 0.0, 0
	for i := len(intervals) - 1; i >= 0 && (n == 0 || sum < ms(fpsSpan)); i-- {
		sum += intervals[i]
		n++
	}
	if sum <= 0 {
		return 0
	}
	return float64(n) * ms(time.Second) / sum
}

// endView ends the -view http that -hold keeps up after the render, and
// returns runErr or, if there was none, the view's close error. After a
// render that succeeded, the view shows the last frame as the last (its
// status is done) and serves it until ctx ends, which Ctrl-C does: that is
// then the normal end of the run, and trace exits 0. A video on stdout
// (-o -) is whole by then: stdout is closed first, so that the program
// reading the pipe sees its end now, not at Ctrl-C. After a failed or
// interrupted render it closes the view at once.
func (s *session) endView(ctx context.Context, runErr error, stderr io.Writer) error {
	if s.held == nil {
		return runErr
	}
	if runErr == nil && s.cfg.out == "-" {
		if err := os.Stdout.Close(); err != nil {
			runErr = fmt.Errorf("stdout: %w", err)
		}
	}
	if runErr == nil && ctx.Err() == nil {
		done := s.status
		done.Done = true
		s.held.SetStatus(done)
		if !s.cfg.quiet {
			fmt.Fprintf(stderr, "trace: serving the last frame at %s until Ctrl-C\n", s.held.URL())
		}
		<-ctx.Done()
	}
	err := s.held.Close()
	s.held = nil
	if runErr != nil {
		return runErr
	}
	return err
}
