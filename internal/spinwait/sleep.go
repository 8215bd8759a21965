package spinwait

import (
	"context"
	"math"
	"sync/atomic"
	"time"

	"github.com/shmrun/shmrun/internal/futex"
)

// DefaultMaxSleep bounds one futex sleep. A wake-up is never needed for
// correctness after it: the sleeper re-checks, so even a peer that died
// between changing the word and waking costs at most this much delay.
const DefaultMaxSleep = 250 * time.Millisecond

var maxSleep atomic.Int64

func init() { maxSleep.Store(int64(DefaultMaxSleep)) }

// SetMaxSleep changes how long one Sleep may last, for every sleeper of
// the process, and returns the previous bound. It exists for tests: one
// that sets it to an hour makes a lost wake-up hang until its context
// ends instead of being covered up by the periodic re-check.
func SetMaxSleep(d time.Duration) time.Duration {
	return time.Duration(maxSleep.Swap(int64(d)))
}

// Kick changes a futex word and wakes every sleeper on it, in any process.
// Changing the word makes a sleeper that is about to call FUTEX_WAIT
// return at once instead of missing the wake-up.
func Kick(word *atomic.Uint32) {
	word.Add(1)
	futex.Wake(word, math.MaxInt32)
}

// Sleep blocks while word holds val, until a wake-up, the context's end or
// the maximum sleep (DefaultMaxSleep), and returns the context's error if
// it ended. With handOff the goroutine gives its P to the process's other
// goroutines for the sleep (futex.WaitLong), at the cost of a thread
// wake-up; without it the sleep keeps the P and wakes faster (futex.Wait).
// It allocates only when ctx can be cancelled, to arrange the cancel
// wake-up (a Kick of word).
func Sleep(ctx context.Context, word *atomic.Uint32, val uint32, handOff bool) error {
	timeout := time.Duration(maxSleep.Load())
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
		stop := context.AfterFunc(ctx, func() { Kick(word) })
		defer stop()
	}
	if handOff {
		futex.WaitLong(word, val, timeout)
	} else {
		futex.Wait(word, val, timeout)
	}
	return ctx.Err()
}
