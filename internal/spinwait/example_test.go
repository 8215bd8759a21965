package spinwait_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/shmrun/shmrun/internal/spinwait"
)

// Example waits for a flag that another goroutine (in shmrun, another
// process) sets: it polls within the learnt budget, then announces that it
// sleeps, re-checks and sleeps until the setter kicks the word.
func Example() {
	var ready, sleeping, word atomic.Uint32
	go func() {
		time.Sleep(10 * time.Millisecond) // longer than any spin
		ready.Store(1)
		if sleeping.Load() != 0 {
			spinwait.Kick(&word)
		}
	}()

	b := spinwait.NewBudget(20 * time.Microsecond)
	s := b.Start()
	for ready.Load() == 0 && s.More() {
	}
	if ready.Load() == 0 {
		s.Sleeping()
		for {
			v := word.Load()
			sleeping.Store(1)
			if ready.Load() != 0 {
				break
			}
			_ = spinwait.Sleep(context.Background(), &word, v, false)
		}
	}
	b.Done(&s)
	fmt.Println("ready:", ready.Load())
	// Output: ready: 1
}
