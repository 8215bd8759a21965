package render_test

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/shmrun/shmrun/cmd/trace/internal/render"
)

// BenchmarkRenderTile renders 32x32 tiles of a 320x180 frame of each scene
// at the quality the scene suggests, one tile per iteration, on one
// goroutine locked to its thread, and reports rays per second of wall time
// and of the thread's CPU time (the honest number on a shared machine).
func BenchmarkRenderTile(b *testing.B) {
	for _, name := range []string{"default", "cornell", "spheres", "terrain"} {
		b.Run(name, func(b *testing.B) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			s, rs := open(b, name)
			const w, h, tile = 320, 180, 32
			dst := render.Target{Pix: make([]uint32, w*h), W: w, H: h}
			q := render.SceneQuality(s)
			var rays uint64
			cpu0 := threadCPU()
			for i := 0; b.Loop(); i++ {
				cols, rows := (w+tile-1)/tile, (h+tile-1)/tile
				tx, ty := i%cols, i/cols%rows
				t := render.Tile{X0: tx * tile, Y0: ty * tile, X1: min(tx*tile+tile, w), Y1: min(ty*tile+tile, h), Frame: 60}
				st, err := rs.RenderTile(dst, t, q)
				if err != nil {
					b.Fatal(err)
				}
				rays += st.Rays
			}
			b.ReportMetric(float64(rays)/b.Elapsed().Seconds(), "rays/s")
			if cpu := threadCPU() - cpu0; cpu > 0 {
				b.ReportMetric(float64(rays)/cpu.Seconds(), "rays/cpu-s")
			}
		})
	}
}

// BenchmarkDefaultFrame renders whole 640x360 frames of the default scene
// with the Whitted integrator at 1 sample per pixel, in 64x64 tiles spread
// over GOMAXPROCS goroutines (run with -cpu 1,2), for each pixel step. The
// reported ms/frame is what the real-time budget (16.7 ms at 60 fps) is
// compared with; cpu-ms/frame is the CPU time of all cores, which divided
// by the core count is the frame time on an otherwise idle machine.
func BenchmarkDefaultFrame(b *testing.B) {
	for _, step := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("step%d", step), func(b *testing.B) {
			_, rs := open(b, "default")
			const w, h, tile = 640, 360, 64
			dst := render.Target{Pix: make([]uint32, w*h), W: w, H: h}
			q := render.Quality{SPP: 1, MaxDepth: 4, PixelStep: step}
			workers := runtime.GOMAXPROCS(0)
			var rays atomic.Uint64
			frame := 0
			cpu0 := processCPU()
			for b.Loop() {
				renderFrame(rs, dst, q, frame, tile, workers, &rays)
				frame++
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1e3/float64(frame), "ms/frame")
			if cpu := processCPU() - cpu0; cpu > 0 {
				b.ReportMetric(float64(cpu.Microseconds())/1e3/float64(frame), "cpu-ms/frame")
			}
			b.ReportMetric(float64(rays.Load())/b.Elapsed().Seconds(), "rays/s")
		})
	}
}

// renderFrame renders one frame with workers goroutines taking tiles from
// a shared counter, as the runtime's workers do, and returns the pixels
// traced.
func renderFrame(rs *render.Scene, dst render.Target, q render.Quality, frame, tile, workers int, rays *atomic.Uint64) uint64 {
	cols, rows := (dst.W+tile-1)/tile, (dst.H+tile-1)/tile
	var next atomic.Int64
	var traced atomic.Uint64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= cols*rows {
					return
				}
				x, y := i%cols*tile, i/cols*tile
				st, _ := rs.RenderTile(dst, render.Tile{X0: x, Y0: y, X1: min(x+tile, dst.W), Y1: min(y+tile, dst.H), Frame: frame}, q)
				rays.Add(st.Rays)
				traced.Add(st.Traced)
			}
		})
	}
	wg.Wait()
	return traced.Load()
}

// BenchmarkFrameSums renders 640x360 frames of the default scene at the
// real-time quality with and without float sums kept for progressive
// rendering (Target.Accum), side by side: with sums, every pixel is summed
// and tone mapped, not every traced block, which costs most at a coarse
// pixel step. The CLI keeps sums only when the next frame can use them.
func BenchmarkFrameSums(b *testing.B) {
	const w, h, tile = 640, 360, 64
	for _, step := range []int{1, 2, 4} {
		for _, sums := range []bool{false, true} {
			name := fmt.Sprintf("step=%d/plain", step)
			if sums {
				name = fmt.Sprintf("step=%d/sums", step)
			}
			b.Run(name, func(b *testing.B) {
				_, rs := open(b, "default")
				dst := render.Target{Pix: make([]uint32, w*h), W: w, H: h}
				if sums {
					dst.Accum = make([]float32, 4*w*h)
				}
				q := render.Quality{SPP: 1, MaxDepth: 4, PixelStep: step}
				var rays atomic.Uint64
				frame := 0
				for b.Loop() {
					renderFrame(rs, dst, q, frame, tile, runtime.GOMAXPROCS(0), &rays)
					frame++
				}
				b.ReportMetric(float64(b.Elapsed().Microseconds())/1e3/float64(frame), "ms/frame")
			})
		}
	}
}
