package futex_test

import (
	"math"
	goruntime "runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shmrun/shmrun/internal/futex"
)

// BenchmarkNeighbour measures what a goroutine that keeps sleeping on a
// futex costs another goroutine doing CPU work, with GOMAXPROCS=1 as in a
// worker process: each op is about 20 µs of arithmetic, while a second
// goroutine sleeps in 2 ms futex waits in a loop (a heartbeat). WaitLong
// gives up the P while it sleeps; Wait keeps it reserved for the sleeper
// until the runtime's monitor takes it back (the baseline: what a plain
// system call does); "alone" has no sleeper at all. WaitLong should cost
// about as little as alone.
func BenchmarkNeighbour(b *testing.B) {
	b.Run("alone", func(b *testing.B) { benchNeighbour(b, nil) })
	b.Run("WaitLong", func(b *testing.B) { benchNeighbour(b, futex.WaitLong) })
	b.Run("Wait", func(b *testing.B) { benchNeighbour(b, futex.Wait) })
}

var sinkFloat float64

func benchNeighbour(b *testing.B, wait func(*atomic.Uint32, uint32, time.Duration)) {
	defer goruntime.GOMAXPROCS(goruntime.GOMAXPROCS(1))
	var word, stop atomic.Uint32
	done := make(chan struct{})
	if wait != nil {
		go func() {
			defer close(done)
			for stop.Load() == 0 {
				wait(&word, 0, 2*time.Millisecond)
			}
		}()
		goruntime.Gosched() // let it go to sleep
	} else {
		close(done)
	}
	b.ResetTimer()
	s := 1.0
	for i := range b.N {
		for j := range 4000 {
			s = math.Sqrt(s*s + float64(i+j))
		}
	}
	b.StopTimer()
	sinkFloat = s
	stop.Store(1)
	<-done
}
