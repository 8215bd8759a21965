package spinwait

import (
	goruntime "runtime"
	"time"

	"github.com/shmrun/shmrun/internal/mono"
)

// QuickPolls is how many polls a wait makes before it first reads the
// clock or yields the P: about 2 µs at the 30 ns a PAUSE takes on current
// x86 cores. After them a Spinner reads the clock and yields once every
// QuickPolls polls.
const QuickPolls = 64

// A Spinner bounds one polling loop by time. Its zero value never polls:
// More returns false at once. A Spinner is used by one goroutine.
type Spinner struct {
	budget time.Duration
	start  int64 // CLOCK_MONOTONIC; zero until the wait outlasts the quick polls
	n      uint32
	slept  bool
	grace  bool // the budget covers a peer's wake-up (see WakeGrace)
}

// Fixed returns a Spinner that polls for d, learning nothing; d <= 0
// means not at all.
func Fixed(d time.Duration) Spinner { return Spinner{budget: d} }

// More pauses the core for one spin-loop iteration and reports whether the
// caller should poll again. After the quick polls it yields the P every
// QuickPolls polls: in a process with GOMAXPROCS=1 (a worker) a spinning
// goroutine would otherwise keep every other goroutine off the CPU until
// the scheduler preempts it, 10 ms later.
func (s *Spinner) More() bool {
	if s.budget <= 0 {
		return false
	}
	pause()
	s.n++
	if s.n%QuickPolls != 0 {
		return true
	}
	if s.start == 0 {
		s.start = mono.Now()
		return true
	}
	goruntime.Gosched()
	return time.Duration(mono.Now()-s.start) < s.budget
}

// Sleeping notes that the wait is about to sleep: from here on its length
// is measured, if it was not already, and Budget.Done learns from it as
// from a wait that polling did not end.
func (s *Spinner) Sleeping() {
	s.slept = true
	if s.start == 0 {
		s.start = mono.Now()
	}
}

// elapsed is how long the wait has lasted since its clock started.
func (s *Spinner) elapsed() time.Duration { return time.Duration(mono.Now() - s.start) }
