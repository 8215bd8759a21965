package runtime_test

import (
	"context"
	"fmt"
	"iter"
	"math"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/shmrun/shmrun/internal/placement"
	"github.com/shmrun/shmrun/runtime"
)

// empty is the kernel of the dispatch benchmark: all cost is dispatch.
func empty(x int) int { return x }

// burn is the CPU-bound kernel of the map benchmark: a chain of 20,000
// dependent square roots (about 150 µs on this project's 2-core machine),
// no memory traffic. It is not inlined, so that worker processes and
// goroutines run the very same machine code.
//
//go:noinline
func burn(x int) float64 {
	s := float64(x)
	for i := range 20000 {
		s = math.Sqrt(s*s + float64(i))
	}
	return s
}

var (
	emptyKernel = runtime.Register("bench.empty", func(_ *runtime.Env, x int) (int, error) { return empty(x), nil })
	burnKernel  = runtime.Register("bench.burn", func(_ *runtime.Env, x int) (float64, error) { return burn(x), nil })
)

func seqN(n int) iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := range n {
			if !yield(i) {
				return
			}
		}
	}
}

// BenchmarkDispatch measures items per second through the runtime's map,
// which chunks items into tasks as it sees fit, against a plain in-process
// worker pool fed by channels running the same function. Each op is one
// item, dispatched and answered. processes-chunk1 forces one item per task:
// the cost of a single task's round trip through the rings. exec-gob is
// the naive way to use other processes (benchExecGob). Each probes the
// placement of the two CPUs around its bursts (placement.Record).
func BenchmarkDispatch(b *testing.B) {
	b.Run("processes", func(b *testing.B) { benchDispatch(b, 0) })
	b.Run("processes-chunk1", func(b *testing.B) { benchDispatch(b, 1) })
	b.Run("goroutines", func(b *testing.B) {
		defer placement.Record(b)()
		b.ReportAllocs()
		channelPool(b.N, workers(), func(x int) { sinkInt.Store(int64(empty(x))) })
	})
	b.Run("exec-gob", func(b *testing.B) {
		defer placement.Record(b)()
		benchExecGob(b)
	})
}

func benchDispatch(b *testing.B, chunk int) {
	defer placement.Record(b)()
	p := startPool(b, runtime.Options{})
	ctx := context.Background()
	o := &runtime.MapOptions{Chunk: chunk, Unordered: true, InFlight: 16 * p.Workers()}
	warm(b, p, ctx, o)
	b.ReportAllocs()
	b.ResetTimer()
	for _, err := range runtime.MapSeq(ctx, p, emptyKernel, seqN(b.N), o) {
		if err != nil {
			b.Fatal(err)
		}
	}
}

// warm runs a first map so that slots, buffers and rings are in place:
// what is measured is the steady state.
func warm(b *testing.B, p *runtime.Pool, ctx context.Context, o *runtime.MapOptions) {
	for _, err := range runtime.MapSeq(ctx, p, emptyKernel, seqN(10000), o) {
		if err != nil {
			b.Fatal(err)
		}
	}
}

var sinkInt atomic.Int64

func workers() int { return 2 }

// channelPool is the baseline: n jobs through a buffered channel to w
// goroutines, results back through another channel.
func channelPool(n, w int, fn func(int)) {
	jobs := make(chan int, 16*w)
	done := make(chan struct{}, 16*w)
	var wg sync.WaitGroup
	for range w {
		wg.Go(func() {
			for x := range jobs {
				fn(x)
				done <- struct{}{}
			}
		})
	}
	go func() {
		for i := range n {
			jobs <- i
		}
		close(jobs)
	}()
	for range n {
		<-done
	}
	wg.Wait()
}

// BenchmarkMap measures a CPU-bound map with 1 and 2 workers: the runtime's
// worker processes against goroutines running the same function (a plain
// pool that hands out indices with one atomic add, the cheapest way Go
// can). Each op is one item (see burn). The worker processes are pinned,
// one per core (Options.PinWorkers), as a CPU-bound pool with a core per
// worker should be run. Where the processes lose time shows in two more
// figures: busy-% is the share of the workers' wall time spent in kernels
// (Stats), master-µs/task the master's CPU time (user and system, all its
// threads) per task.
func BenchmarkMap(b *testing.B) {
	for _, w := range []int{1, 2} {
		b.Run(fmt.Sprintf("processes/workers=%d", w), func(b *testing.B) {
			defer placement.Record(b)()
			p := startPool(b, runtime.Options{Workers: w, PinWorkers: true})
			ctx := context.Background()
			runtime.Map(ctx, p, burnKernel, make([]int, 64), nil)
			items := make([]int, b.N)
			before, cpu := p.Stats(), processCPU(b)
			b.ResetTimer()
			if _, err := runtime.Map(ctx, p, burnKernel, items, nil); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			reportMapCosts(b, before, p.Stats(), processCPU(b)-cpu, w)
		})
		b.Run(fmt.Sprintf("goroutines/workers=%d", w), func(b *testing.B) {
			defer placement.Record(b)()
			out := make([]float64, b.N)
			var next atomic.Int64
			var wg sync.WaitGroup
			for range w {
				wg.Go(func() {
					for i := next.Add(1) - 1; i < int64(b.N); i = next.Add(1) - 1 {
						out[i] = burn(0)
					}
				})
			}
			wg.Wait()
		})
	}
}

// processCPU is the CPU time this process has used, all threads, user and
// system.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportMapCosts reports the workers' busy share of the timed wall time and
// the master's CPU time per task between two Stats.
func reportMapCosts(b *testing.B, before, after runtime.Stats, master time.Duration, workers int) {
	var busy time.Duration
	for i := range after.Workers {
		busy += after.Workers[i].Busy - before.Workers[i].Busy
	}
	tasks := after.Tasks - before.Tasks
	if tasks == 0 || b.Elapsed() <= 0 {
		return
	}
	b.ReportMetric(100*busy.Seconds()/(b.Elapsed().Seconds()*float64(workers)), "busy-%")
	b.ReportMetric(float64(master.Microseconds())/float64(tasks), "master-µs/task")
}
