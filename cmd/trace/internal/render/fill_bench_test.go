package render_test

import (
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/shmrun/shmrun/cmd/trace/internal/render"
)

// BenchmarkFillFrame renders 640x360 frames of the default scene in a
// row, each filled from the one before, for each pattern, next to the
// plain full frame (blocks: RenderTile without a G-buffer) as its
// baseline: ms/frame over GOMAXPROCS goroutines, cpu-ms/frame, and the
// share of pixels traced. The controller's cost of a filled pixel
// (fillCost in cmd/trace) is about (cpu of a pattern frame - traced share
// x cpu of a full frame) / (1 - traced share) / cpu of a full frame; on a
// loaded machine runs vary by a third, so compare the fastest of several
// (-cpu 1 -count 6).
func BenchmarkFillFrame(b *testing.B) {
	for _, c := range []struct {
		name string
		gbuf bool
		p    render.Pattern
	}{{"plain", false, render.PatternAll}, {"all", true, render.PatternAll}, {"half", true, render.PatternHalf}, {"quarter", true, render.PatternQuarter}} {
		b.Run(c.name, func(b *testing.B) {
			_, rs := open(b, "default")
			const w, h, tile = 640, 360, 64
			bufs := [2]frameBufs{newFrameBufs(w, h), newFrameBufs(w, h)}
			q := render.Quality{SPP: 1, MaxDepth: 4, Pattern: c.p}
			workers := runtime.GOMAXPROCS(0)
			var rays atomic.Uint64
			target := func(n int) render.Target {
				cur, prev := bufs[n%2], bufs[(n+1)%2]
				dst := render.Target{Pix: cur.pix, W: w, H: h}
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
