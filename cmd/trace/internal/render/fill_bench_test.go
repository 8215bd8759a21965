package render_test

import (
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/shmrun/shmrun/cmd/trace/internal/render"
)

// BenchmarkFillFrame renders 640x360 frames of the default scene in a
// row, each filled from the one before, for each pattern, and at coarse
// pixel steps (blocks copied or mixed bilinearly), next to the plain
// full frame (RenderTile without a G-buffer) as their baseline: ms/frame over GOMAXPROCS goroutines, cpu-ms/frame, and the
// share of pixels traced. The controller's cost of a filled pixel
// (fillCost in cmd/trace) is about (cpu of a pattern frame - traced share
// x cpu of a full frame) / (1 - traced share) / cpu of a full frame; on a
// loaded machine runs vary by a third, so compare the fastest of several
// (-cpu 1 -count 6).
func BenchmarkFillFrame(b *testing.B) {
	for _, c := range []struct {
		name     string
		gbuf     bool
		p        render.Pattern
		step     int
		bilinear bool
	}{
		{"plain", false, render.PatternAll, 1, false}, {"all", true, render.PatternAll, 1, false},
		{"half", true, render.PatternHalf, 1, false}, {"quarter", true, render.PatternQuarter, 1, false},
		{"sparse", false, render.PatternSparse, 1, false}, {"checker", false, render.PatternChecker, 1, false},
		{"step2", false, render.PatternAll, 2, false}, {"step2-bilinear", false, render.PatternAll, 2, true},
		{"step3", false, render.PatternAll, 3, false}, {"step3-bilinear", false, render.PatternAll, 3, true},
		{"step16-bilinear", false, render.PatternAll, 16, true},
	} {
		b.Run(c.name, func(b *testing.B) {
			_, rs := open(b, "default")
			const w, h, tile = 640, 360, 64
			bufs := [2]frameBufs{newFrameBufs(w, h), newFrameBufs(w, h)}
			q := render.Quality{SPP: 1, MaxDepth: 4, Pattern: c.p, PixelStep: c.step, Bilinear: c.bilinear}
			workers := runtime.GOMAXPROCS(0)
			var rays atomic.Uint64
			target := func(n int) render.Target {
				cur, prev := bufs[n%2], bufs[(n+1)%2]
				dst := render.Target{Pix: cur.pix, W: w, H: h}
				if c.p.Clamped() && n > 0 {
					dst.Hist = render.History{Frame: n - 1, Pix: prev.pix}
				}
				if c.gbuf {
					dst.GBuf = cur.gbuf
					if n > 0 {
						dst.Hist = render.History{Frame: n - 1, Pix: prev.pix, GBuf: prev.gbuf}
					}
				}
				return dst
			}
			renderFrame(rs, target(0), render.Quality{SPP: 1, MaxDepth: 4}, 0, tile, workers, &rays)
			frame := 1
			var traced uint64
			cpu0 := processCPU()
			b.ResetTimer()
			for b.Loop() {
				traced += renderFrame(rs, target(frame), q, frame, tile, workers, &rays)
				frame++
			}
			n := float64(frame - 1)
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1e3/n, "ms/frame")
			if cpu := processCPU() - cpu0; cpu > 0 {
				b.ReportMetric(float64(cpu.Microseconds())/1e3/n, "cpu-ms/frame")
			}
			b.ReportMetric(float64(traced)/n/(w*h), "traced")
		})
	}
}
