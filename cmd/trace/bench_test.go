package main

import (
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/shmrun/shmrun/runtime"
)

// BenchmarkRender renders frames of the default scene at 640x360 and the
// real-time quality (Whitted, 1 spp, a pixel step of 2) through the whole
// pipeline (tiles as tasks, framebuffers in the arena, frames in flight),
// with worker processes and with goroutines running the same kernel, for
// 1 and 2 workers. Each op is one frame; frames/s and Mrays/s are reported.
func BenchmarkRender(b *testing.B) {
	for _, mode := range []runtime.Mode{runtime.Processes, runtime.Goroutines} {
		for _, w := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/workers=%d", mode, w), func(b *testing.B) {
				benchRender(b, mode, w)
			})
		}
	}
}

func benchRender(b *testing.B, mode runtime.Mode, workers int) {
	cfg, err := parseFlags([]string{"-scene", "default", "-size", "640x360", "-o", "none",
		"-workers", fmt.Sprint(workers), "-mode", mode.String()}, io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	s, err := open(ctx, cfg, io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	defer s.close(ctx)
	s.base.PixelStep = 2
	s.cfg.frames = 4 // warm up: processes start, scenes open, caches fill
	if err := s.run(ctx); err != nil {
		b.Fatal(err)
	}
	s.cfg.frames = b.N
	s.rays.Store(0)
	b.ResetTimer()
	if err := s.run(ctx); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N)/sec, "frames/s")
	b.ReportMetric(float64(s.rays.Load())/sec/1e6, "Mrays/s")
}
