package runtime_test

import (
	"sort"
	"syscall"
	"testing"
	"time"

	"github.com/shmrun/shmrun/runtime"
)

// BenchmarkCrashNotice measures supervision: each op SIGKILLs an idle
// worker process and reports how long the master took to notice the death
// (the kill until Pool.OnWorkerExit runs: the architecture asks for well
// under 10 ms) and to be back to full strength (a replacement process
// started, attached and said hello). The metrics are medians over the ops,
// in milliseconds; the ns/op figure includes the wait for recovery.
func BenchmarkCrashNotice(b *testing.B) {
	p := startPool(b, runtime.Options{Workers: 2})
	noticed := make(chan time.Time, 1)
	defer p.OnWorkerExit(func(runtime.WorkerExit) {
		select {
		case noticed <- time.Now():
		default:
		}
	})()
	notice := make([]float64, 0, b.N)
	recover := make([]float64, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		w := p.Stats().Workers[i%2]
		if !w.Alive || w.PID <= 0 {
			b.Fatalf("worker %d not alive before the kill: %+v", w.Worker, w)
		}
		start := time.Now()
		if err := syscall.Kill(w.PID, syscall.SIGKILL); err != nil {
			b.Fatal(err)
		}
		select {
		case at := <-noticed:
			notice = append(notice, ms(at.Sub(start)))
		case <-time.After(10 * time.Second):
			b.Fatal("the death was not noticed within 10 s")
		}
		waitWhole(b, p, w.PID)
		recover = append(recover, ms(time.Since(start)))
	}
	b.StopTimer()
	b.ReportMetric(median(notice), "notice-ms")
	b.ReportMetric(median(recover), "recover-ms")
}

// waitWhole waits until every worker is alive again and none is the dead pid.
func waitWhole(b *testing.B, p *runtime.Pool, dead int) {
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		whole := true
		for _, w := range p.Stats().Workers {
			whole = whole && w.Alive && w.PID != dead
		}
		if whole {
			return
		}
		time.Sleep(50 * time.Microsecond)
	}
	b.Fatal("the pool did not get back to full strength within 20 s")
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[len(s)/2]
}
