package ring_test

import (
	"slices"
	"testing"
	"time"
)

// UnitMedian is the metric of batchTimer: the median time of one op over
// batches of ops. A benchmark between two processes that spin is at the
// mercy of the scheduler on a shared machine: one descheduling of either
// process costs milliseconds, which the mean (ns/op) spreads over the run,
// while the median of many short batches leaves it out.
const UnitMedian = "median-ns/op"

// batchTimer times a benchmark loop's ops in batches of n; each op calls
// tick, and report adds the median per op. Its clock reads cost one
// per batch.
type batchTimer struct {
	n, i  int
	start time.Time
	times []time.Duration
}

// newBatchTimer returns a timer for b.N ops in batches of n, which starts
// at once: call it right before the loop (after ResetTimer).
func newBatchTimer(b *testing.B, n int) *batchTimer {
	return &batchTimer{n: n, times: make([]time.Duration, 0, b.N/n+1), start: time.Now()}
}

func (t *batchTimer) tick() {
	t.i++
	if t.i%t.n == 0 {
		now := time.Now()
		t.times = append(t.times, now.Sub(t.start))
		t.start = now
	}
}

// report adds the median per op to b's metrics, if a batch completed.
func (t *batchTimer) report(b *testing.B) {
	if len(t.times) == 0 {
		return
	}
	slices.Sort(t.times)
	b.ReportMetric(float64(t.times[len(t.times)/2].Nanoseconds())/float64(t.n), UnitMedian)
}
