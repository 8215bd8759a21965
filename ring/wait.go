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
// died between committing and waking costs at most this much delay. (A
// variable only so that a test can make a lost wake-up hang instead.)
var maxSleep = 250 * time.Millisecond

// Options configures how blocking calls wait. The zero value is valid.
type Options struct {
	// Spin is the longest a blocking call polls before it sleeps on a
	// futex: 0 means DefaultSpin, a negative value means sleep at once.
	// Within it the budget adapts to how long waits turn out; the one
	// wait that follows a wake-up of the peer polls at least 100 µs (see
	// wakeGrace), unless Spin is negative.
	Spin time.Duration
	// HandOff makes a call that sleeps give its goroutine's P (the Go
	// scheduler's right to run code) to the process's other goroutines for
	// the sleep, at the cost of a thread wake-up per sleep. Set it where
	// several goroutines of one process sleep on rings while others have
	// work, as a master's readers of results do: without it, the goroutine
	// a reader just readied may wait for its P until the runtime takes the
	// P back from the sleeper, up to 10 ms later. Leave it unset where one
	// goroutine does the work, as in a worker: a sleep that keeps its P
	// wakes faster.
	HandOff bool
}

func (o *Options) handOff() bool { return o != nil && o.HandOff }

func (o *Options) spin() time.Duration {
	switch {
	case o == nil || o.Spin == 0:
		return DefaultSpin
	case o.Spin < 0:
		return 0
	}
	return o.Spin
}

// quickPolls is how many polls a wait makes before it first reads the clock
// or yields the P: about 2 µs at the 30 ns a PAUSE takes on current x86
// cores. A peer that answers within that never costs a clock read, a
// Gosched or a futex call, on either side.
const quickPolls = 64

// spinner bounds a polling loop by time, not by a count of iterations, so it
// means the same on a fast and a slow machine. It reads the clock only once
// the first quickPolls polls have failed, and then once every quickPolls
// polls.
type spinner struct {
	budget time.Duration
	start  time.Time // zero until the wait outlasts the quick polls
	n      uint32
	slept  bool
	grace  bool // the budget covers a peer's wake-up (see wakeGrace)
}

// wakeGrace is how long a wait spins, whatever its learnt budget, right
// after the waiter woke its peer. A woken thread takes tens of microseconds
// to run again (more in a virtual machine); a waiter that slept meanwhile
// would need waking in turn, and a stream between two processes would
// settle into a convoy in which each side sleeps while the other works.
const wakeGrace = 100 * time.Microsecond

// probeEvery is how often a wait whose budget has decayed to nothing spins
// the full maximum anyway, to find out whether spinning pays again.
const probeEvery = 16

// adaptive is a spin budget that learns, like an adaptive mutex. Spinning
// through a wait that outlasts the maximum spin wastes a core, and on a
// machine with more runnable threads than cores it also slows the very
// peer being waited for; so after such a wait the budget halves. A wait
// that spinning ended restores the full budget, and one that slept but
// would have fitted in the maximum doubles it. A request/response peer
// keeps spinning; a master waiting on long tasks soon stops, and probes
// now and then in case that changes (without the probes a budget of zero
// would never learn again: a sleep always takes longer than a spin).
type adaptive struct {
	max   time.Duration
	cur   time.Duration
	waits uint32
	woke  bool // the peer was woken since the last wait began
}

func newAdaptive(max time.Duration) adaptive { return adaptive{max: max, cur: max} }

// spinner returns a spinner for one wait.
func (a *adaptive) spinner() spinner {
	a.waits++
	switch {
	case a.woke && a.max > 0:
		a.woke = false
		return spinner{budget: max(a.cur, wakeGrace), grace: true}
	case a.cur == 0 && a.waits%probeEvery == 0:
		return spinner{budget: a.max}
	}
	return spinner{budget: a.cur}
}

// wokePeer notes that this side just woke its peer, which will take a
// while to get going: the next wait spins at least wakeGrace.
func (a *adaptive) wokePeer() { a.woke = true }

// done learns from a finished wait. A wait that spinning ended needs no
// clock read to learn from, and one that never left the quick polls never
// read the clock at all.
func (a *adaptive) done(s *spinner) {
	switch {
	case !s.slept:
		a.cur = a.max
	case time.Since(s.start) <= a.max:
		a.cur = min(a.max, 2*a.cur+time.Microsecond)
	case !s.grace: // a grace wait says nothing about the peer's pace
		a.cur /= 2
	}
}

// more reports whether the caller should poll again. After the quick polls
// it yields the P every quickPolls polls: in a process with GOMAXPROCS=1
// (a worker) a spinning goroutine would otherwise keep every other
// goroutine off the CPU until the scheduler preempts it, 10 ms later.
func (s *spinner) more() bool {
	if s.budget <= 0 {
		return false
	}
	pause()
	s.n++
	if s.n%quickPolls != 0 {
		return true
	}
	if s.start.IsZero() {
		s.start = time.Now()
		return true
	}
	goruntime.Gosched()
	return time.Since(s.start) < s.budget
}

// sleeping notes that the wait is about to sleep: from here on its length
// is measured, if it was not already.
func (s *spinner) sleeping() {
	s.slept = true
	if s.start.IsZero() {
		s.start = time.Now()
	}
}

// kick changes a futex word and wakes every sleeper on it. Changing the word
// makes a sleeper that is about to call FUTEX_WAIT return at once instead of
// missing the wake-up.
func kick(word *atomic.Uint32) {
	word.Add(1)
	futex.Wake(word, math.MaxInt32)
}

// sleep blocks on word while it holds val, until a wake-up, the context's
// end or maxSleep, handing its P over if handOff (see Options.HandOff). It returns the context's error if the context ended. It
// allocates only when ctx can be cancelled, to arrange the cancel wake-up.
func sleep(ctx context.Context, word *atomic.Uint32, val uint32, handOff bool) error {
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
	if handOff {
		futex.WaitLong(word, val, timeout)
	} else {
		futex.Wait(word, val, timeout)
	}
	return ctx.Err()
}
