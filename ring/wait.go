package ring

import (
	"context"
	"math"
	goruntime "runtime"
	"sync/atomic"
	"time"

	"github.com/shmrun/shmrun/internal/futex"
)

// DefaultSpin is how long a blocking call polls before it sleeps when
// Options.Spin is zero: long enough to catch a peer that answers within a
// few microseconds, short enough not to steal a core from it for long.
const DefaultSpin = 20 * time.Microsecond

// maxSleep bounds one futex sleep. A wake-up is never needed for
// correctness after it: the sleeper re-checks the ring, so even a peer that
// died between committing and waking costs at most this much delay.
const maxSleep = 250 * time.Millisecond

// Options configures how blocking calls wait. The zero value is valid.
type Options struct {
	// Spin is how long a blocking call polls before it sleeps on a futex:
	// 0 means DefaultSpin, a negative value means sleep at once.
	Spin time.Duration
}

func (o *Options) spin() time.Duration {
	switch {
	case o == nil || o.Spin == 0:
		return DefaultSpin
	case o.Spin < 0:
		return 0
	}
	return o.Spin
}

// spinner bounds a polling loop by time, not by a count of iterations, so it
// means the same on a fast and a slow machine. It reads the clock once every
// 64 polls.
type spinner struct {
	budget time.Duration
	start  time.Time
	n      uint32
}

// adaptive is a spin budget that learns, like an adaptive mutex. Spinning
// through a wait that outlasts the maximum spin wastes a core, and on a
// machine with more runnable threads than cores it also slows the very
// peer being waited for; so after such a wait the budget halves, and after
// a wait that the maximum spin would have covered it doubles (up to the
// maximum). A request/response peer keeps spinning; a master waiting on
// long tasks soon stops.
type adaptive struct {
	max time.Duration
	cur time.Duration
}

func newAdaptive(max time.Duration) adaptive { return adaptive{max: max, cur: max} }

// spinner returns a spinner for one wait.
func (a *adaptive) spinner() spinner { return spinner{budget: a.cur} }

// done learns from a wait that took d in all.
func (a *adaptive) done(d time.Duration) {
	if d <= a.max {
		a.cur = min(a.max, 2*a.cur+time.Microsecond)
	} else {
		a.cur /= 2
	}
}

// more reports whether the caller should poll again. Every 64 polls it
// also yields the P: in a process with GOMAXPROCS=1 (a worker) a spinning
// goroutine would otherwise keep every other goroutine off the CPU until
// the scheduler preempts it, 10 ms later.
func (s *spinner) more() bool {
	if s.budget <= 0 {
		return false
	}
	pause()
	s.n++
	if s.n&63 != 0 {
		return true
	}
	goruntime.Gosched()
	if s.start.IsZero() {
		s.start = time.Now()
		return true
	}
	return time.Since(s.start) < s.budget
}

// kick changes a futex word and wakes every sleeper on it. Changing the word
// makes a sleeper that is about to call FUTEX_WAIT return at once instead of
// missing the wake-up.
func kick(word *atomic.Uint32) {
	word.Add(1)
	futex.Wake(word, math.MaxInt32)
}

// sleep blocks on word while it holds val, until a wake-up, the context's
// end or maxSleep. It returns the context's error if the context ended. It
// allocates only when ctx can be cancelled, to arrange the cancel wake-up.
func sleep(ctx context.Context, word *atomic.Uint32, val uint32) error {
	timeout := maxSleep
	if dl, ok := ctx.Deadline(); ok {
		d := time.Until(dl)
		if d <= 0 {
			return ctx.Err()
		}
		timeout = min(timeout, d)
	}
	if ctx.Done() != nil {
		if err := ctx.Err(); err != nil {
			return err
		}
		stop := context.AfterFunc(ctx, func() { kick(word) })
		defer stop()
	}
	futex.Wait(word, val, timeout)
	return ctx.Err()
}
