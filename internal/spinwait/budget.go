package spinwait

import (
	"sync/atomic"
	"time"
)

// WakeGrace is how long a wait polls, whatever its learnt budget, right
// after the waiter woke its peer (Budget.WokePeer). A woken thread takes
// tens of microseconds to run again (more in a virtual machine); a waiter
// that slept meanwhile would need waking in turn, and a stream between two
// processes would settle into a convoy in which each side sleeps while the
// other works.
const WakeGrace = 100 * time.Microsecond

// probeEvery is how often a wait whose budget has decayed to nothing polls
// the full maximum anyway, to find out whether polling pays again.
const probeEvery = 16

// A Budget is a polling budget that learns, like an adaptive mutex.
// Polling through a wait that outlasts the maximum wastes a core, and on a
// machine with more runnable threads than cores it also slows the very
// peer being waited for; so after such a wait the budget halves. A wait
// that polling ended restores the full budget, and one that slept but
// would have fitted in the maximum doubles it. A request/response peer
// keeps polling; a master waiting on long tasks soon stops, and probes now
// and then in case that changes (without the probes a budget of zero would
// never learn again: a sleep always takes longer than a spin).
//
// A Budget is safe for concurrent use, so it serves both one endpoint's
// waits (a ring's end) and every waiter of a process at once (the proxy's
// callers): concurrent waits learn from each other, each update whole. Its
// fast path stores nothing: a wait that polling ended with the budget
// already full only loads it. Use NewBudget; the zero Budget never polls.
type Budget struct {
	max       time.Duration
	cur       atomic.Int64 // time.Duration
	zeroWaits atomic.Uint32
	woke      atomic.Bool // a waiter woke the peer since the last wait began
}

// NewBudget returns a Budget that polls at most max per wait (max <= 0:
// never), starting full.
func NewBudget(limit time.Duration) *Budget {
	b := &Budget{max: max(limit, 0)}
	b.cur.Store(int64(b.max))
	return b
}

// Max is the longest a wait polls.
func (b *Budget) Max() time.Duration { return b.max }

// Start returns the Spinner for one wait: it polls for the learnt budget;
// for the full maximum on every probeEvery-th wait once the budget is
// zero; and for at least WakeGrace if WokePeer was called since the last
// Start (unless the maximum is zero).
func (b *Budget) Start() Spinner {
	cur := time.Duration(b.cur.Load())
	switch {
	case b.woke.Load() && b.max > 0:
		b.woke.Store(false)
		return Spinner{budget: max(cur, WakeGrace), grace: true}
	case cur == 0 && b.zeroWaits.Add(1)%probeEvery == 0:
		cur = b.max
	}
	return Spinner{budget: cur}
}

// WokePeer notes that the waiter just woke its peer, which will take a
// while to get going: the next wait polls at least WakeGrace. Any
// goroutine may call it.
func (b *Budget) WokePeer() { b.woke.Store(true) }

// Done learns from a finished wait. A wait that polling ended needs no
// clock read to learn from; one that slept (see Spinner.Sleeping) is
// measured, and a grace wait that slept teaches nothing about the peer's
// pace unless it fitted.
func (b *Budget) Done(s *Spinner) {
	cur := time.Duration(b.cur.Load())
	next := cur
	switch {
	case !s.slept:
		next = b.max
	case s.elapsed() <= b.max:
		next = min(b.max, 2*cur+time.Microsecond)
	case !s.grace:
		next = cur / 2
	}
	if next != cur {
		b.cur.Store(int64(next))
	}
}
