package main

import (
	"context"
	"sync"
	"time"
)

// lag is how many frame periods a paced frame has from its release to its
// deadline. Two periods, with three framebuffers, let a frame that runs
// long (a noisy neighbour, a GC) overlap the next one instead of missing:
// frames n and n+1 render while frame n-1 waits to be shown.
const lag = 2

// pacer is the clock of a paced run: frame n is released (may start) at
// anchor + n*period and is due (shown) at anchor + (n+lag)*period. A frame
// that finishes after its deadline is a miss; the schedule then slips by
// whole periods, as a display that missed a refresh shows the frame at the
// next one, so that one late frame does not make every later one late too.
//
// A nil *pacer is an unpaced run: frames start and are shown as soon as
// they can be. Its methods are safe for concurrent use.
type pacer struct {
	period time.Duration

	mu     sync.Mutex
	anchor time.Time
	misses int
}

// newPacer returns the pacer for fps frames per second starting now, or
// nil for fps 0 (unpaced).
func newPacer(fps float64, now time.Time) *pacer {
	if fps <= 0 {
		return nil
	}
	return &pacer{period: time.Duration(float64(time.Second) / fps), anchor: now}
}

// release returns the earliest time frame n may start.
func (p *pacer) release(n int) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.anchor.Add(time.Duration(n) * p.period)
}

// due returns frame n's deadline.
func (p *pacer) due(n int) time.Time {
	return p.release(n + lag)
}

// finish records that frame n finished rendering at done and returns when
// it should be shown: its deadline, or done itself for a late frame (a
// miss, after which the schedule slips by the periods it lost).
func (p *pacer) finish(n int, done time.Time) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	due := p.anchor.Add(time.Duration(n+lag) * p.period)
	if !done.After(due) {
		return due
	}
	p.misses++
	late := done.Sub(due)
	p.anchor = p.anchor.Add((late + p.period - 1) / p.period * p.period)
	return done
}

// missed returns the number of deadline misses so far.
func (p *pacer) missed() int {
	if p == nil {
		return 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.misses
}

// sleepUntil waits until t or until ctx is done, whichever is first, and
// reports whether it reached t.
func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}
