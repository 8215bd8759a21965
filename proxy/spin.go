package proxy

import (
	goruntime "runtime"
	"sync/atomic"
	"time"

	"github.com/shmrun/shmrun/internal/mono"
)

// maxSleep bounds one futex sleep. No wake-up is needed for correctness
// after it: a sleeper re-checks, so a peer that died between writing and
// ringing costs at most this much delay.
const maxSleep = 250 * time.Millisecond

// probeEvery is how often a wait whose budget decayed to nothing polls
// for the whole maximum anyway, to learn whether polling pays again.
const probeEvery = 16

// spinBudget is how long this process's callers (or its idle handlers)
// poll before they sleep, learnt from the waits they see, like an adaptive
// mutex: a wait that polling covered keeps the budget full, one that slept
// but would have fitted doubles it, and a longer one halves it. A caller
// of a quick method keeps polling and gets its reply in microseconds; a
// caller of slow methods, or one on a machine with more runnable threads
// than cores, where polling steals the CPU from the very peer it waits
// for, soon sleeps at once. Shared by the goroutines of a process.
type spinBudget struct {
	max   time.Duration
	cur   atomic.Int64
	waits atomic.Uint32
}

func newSpinBudget(limit time.Duration) *spinBudget {
	limit = max(limit, 0) // negative: never poll
	b := &spinBudget{max: limit}
	b.cur.Store(int64(limit))
	return b
}

// spinner starts one wait.
func (b *spinBudget) spinner() spinner {
	cur := time.Duration(b.cur.Load())
	if cur == 0 && b.waits.Add(1)%probeEvery == 0 {
		cur = b.max
	}
	return spinner{budget: cur, start: monoNow()}
}

// learn adjusts the budget after a wait: polled says whether polling
// ended it.
func (b *spinBudget) learn(s *spinner, polled bool) {
	switch cur := time.Duration(b.cur.Load()); {
	case polled:
		b.cur.Store(int64(b.max))
	case time.Duration(monoNow()-s.start) <= b.max:
		b.cur.Store(int64(min(b.max, 2*cur+time.Microsecond)))
	default:
		b.cur.Store(int64(cur / 2))
	}
}

// spinner bounds one polling loop by time. Every 64 polls it reads the
// clock and yields the P: in a worker process with GOMAXPROCS=1 a poller
// would otherwise keep the goroutine it waits for off the CPU.
type spinner struct {
	budget time.Duration
	start  int64
	n      uint32
}

// more reports whether to poll again.
func (s *spinner) more() bool {
	if s.budget <= 0 {
		return false
	}
	s.n++
	if s.n%64 != 0 {
		return true
	}
	goruntime.Gosched()
	return time.Duration(monoNow()-s.start) < s.budget
}

// monoNow reads CLOCK_MONOTONIC, which every process on the machine
// shares: call deadlines travel in it. No system call (see package mono):
// idle handlers read it as they poll.
func monoNow() int64 { return mono.Now() }

// monoDeadline converts a context's deadline to CLOCK_MONOTONIC
// nanoseconds.
func monoDeadline(dl time.Time) int64 { return monoNow() + int64(time.Until(dl)) }
