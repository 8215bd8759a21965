package runtime_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/shmrun/shmrun/runtime"
)

// churn allocates about 8 MiB of short-lived maps and slices per item and
// keeps 64 MiB alive across items, as a kernel building and dropping large
// intermediate structures would.
var churn = runtime.Register("bench.churn", func(_ *runtime.Env, seed int) (int, error) {
	live := make([][]byte, 0, 1024)
	for i := range 1024 {
		m := make(map[int]int, 64)
		for j := range 64 {
			m[j] = i * j
		}
		live = append(live, make([]byte, 8<<10))
		if len(live) > 512 {
			live = live[1:]
		}
	}
	return seed + len(live), nil
})

// BenchmarkGCIsolation measures how late a latency-sensitive master
// goroutine wakes from 1 ms sleeps while kernels churn through garbage: in
// worker processes the garbage is theirs; as goroutines it is the master's,
// and so are the GC's stop-the-world pauses and assists. Each op is one
// kernel item; the metrics are the master's wake-up lateness. One worker,
// pinned (Options.PinWorkers; goroutines ignore it), so that on a 2-core
// machine the master has a core to itself: with one worker per core, or
// a worker free to run on the master's core, the figure would measure the
// OS scheduler sharing cores among busy processes, not the collector.
func BenchmarkGCIsolation(b *testing.B) {
	for _, mode := range modes {
		b.Run(mode.String(), func(b *testing.B) {
			p := startPool(b, runtime.Options{Mode: mode, Workers: 1, PinWorkers: true})
			ctx := context.Background()
			stop := make(chan struct{})
			lat := make(chan []time.Duration)
			go func() {
				var late []time.Duration
				for {
					select {
					case <-stop:
						lat <- late
						return
					default:
					}
					start := time.Now()
					time.Sleep(time.Millisecond)
					late = append(late, time.Since(start)-time.Millisecond)
				}
			}()
			b.ResetTimer()
			if _, err := runtime.Map(ctx, p, churn, make([]int, b.N), &runtime.MapOptions{Chunk: 1}); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			close(stop)
			late := <-lat
			if len(late) == 0 {
				return
			}
			slices.Sort(late)
			b.ReportMetric(float64(late[len(late)*99/100].Microseconds()), "p99-late-µs")
			b.ReportMetric(float64(late[len(late)-1].Microseconds()), "max-late-µs")
		})
	}
}
