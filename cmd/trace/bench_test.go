package main

import (
	"context"
	"fmt"
	"io"
	goruntime "runtime"
	"testing"

	"github.com/shmrun/shmrun/cmd/trace/internal/scene"
	"github.com/shmrun/shmrun/internal/placement"
	"github.com/shmrun/shmrun/runtime"
)

// BenchmarkRender renders frames of the default scene at 640x360 and the
// real-time quality (Whitted, 1 spp, a pixel step of 2) through the whole
// pipeline (tiles as tasks, framebuffers in the arena, frames in flight),
// with worker processes and with goroutines running the same kernel, for
// 1 and 2 workers. Each op is one frame; frames/s and Mrays/s are reported.
// The processes are pinned, one per CPU, as trace runs them by default
// (-pin): unpinned, the OS runs the master on the core of the worker whose
// result woke it, and the workers lose 3% of their time to it.
func BenchmarkRender(b *testing.B) {
	for _, mode := range []runtime.Mode{runtime.Processes, runtime.Goroutines} {
		for _, w := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/workers=%d", mode, w), func(b *testing.B) {
				defer placement.Record(b)()
				st := benchFrames(b, 4, func(s *session) { s.base.PixelStep = 2 },
					"-scene", "default", "-size", "640x360", "-workers", fmt.Sprint(w), "-mode", mode.String())
				sec := b.Elapsed().Seconds()
				b.ReportMetric(float64(b.N)/sec, "frames/s")
				b.ReportMetric(float64(st.rays)/sec/1e6, "Mrays/s")
			})
		}
	}
}

// BenchmarkScenes renders every scene in scenes/ at 320x180 with its own
// integrator and depth at 1 sample per pixel, one worker per core, as
// processes and as goroutines (the baseline), and reports the rays per
// second per core: Mrays/s/core over the wall time (what the pipeline
// delivers) and Mrays/busy-s over the time workers spent in the tile kernel
// (how fast one core traces the scene). Each op is one frame; frames follow
// the scene's animation, and a still scene's frames are progressive passes.
// A ray is one query of the scene (render.TileStats.Rays), counted once
// however the kernel answers it: every camera ray, every reflected,
// refracted or scattered ray and every shadow ray.
func BenchmarkScenes(b *testing.B) {
	workers := goruntime.NumCPU()
	for _, name := range scene.Names() {
		for _, mode := range []runtime.Mode{runtime.Processes, runtime.Goroutines} {
			b.Run(name+"/"+mode.String(), func(b *testing.B) {
				st := benchFrames(b, 1, func(s *session) { s.base.SPP = 1 },
					"-scene", name, "-size", "320x180", "-workers", fmt.Sprint(workers), "-mode", mode.String())
				mrays := float64(st.rays) / 1e6
				b.ReportMetric(mrays/b.Elapsed().Seconds(), "Mrays/s")
				b.ReportMetric(mrays/b.Elapsed().Seconds()/float64(workers), "Mrays/s/core")
				if st.busy > 0 {
					b.ReportMetric(mrays/st.busy.Seconds(), "Mrays/busy-s")
				}
			})
		}
	}
}

// benchFrames opens a session with args (output discarded), adjusts it,
// renders warm frames untimed (processes start, scenes open, caches fill),
// then b.N timed frames, and returns the timed run's stats.
func benchFrames(b *testing.B, warm int, adjust func(*session), args ...string) *runStats {
	ctx := context.Background()
	s, done := benchSession(b, args...)
	defer done()
	adjust(s)
	s.cfg.frames = warm
	if err := s.run(ctx); err != nil {
		b.Fatal(err)
	}
	s.cfg.frames = b.N
	b.ResetTimer()
	if err := s.run(ctx); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	return s.last.stats
}

// benchSession opens a session with args, its output discarded, and
// returns it with the function that closes it.
func benchSession(b *testing.B, args ...string) (*session, func()) {
	cfg, err := parseFlags(append(args, "-o", "none"), io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	s, err := open(ctx, cfg, io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	return s, func() { s.close(ctx) }
}
