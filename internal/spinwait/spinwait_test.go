package spinwait_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/internal/spinwait"
)

// polls counts how many times s lets its caller poll.
func polls(s spinwait.Spinner) int {
	n := 0
	for s.More() {
		n++
	}
	return n
}

func TestFixedBudgetOfNothingNeverPolls(t *testing.T) {
	assert.Zero(t, polls(spinwait.Fixed(0)))
	assert.Zero(t, polls(spinwait.Fixed(-time.Second)))
	assert.Zero(t, polls(spinwait.Spinner{}))
}

func TestQuickPollsComeBeforeTheClock(t *testing.T) {
	// However short the budget, the quick polls run out first, then one
	// more round starts the clock; the first clock check ends it.
	n := polls(spinwait.Fixed(time.Nanosecond))
	assert.Equal(t, 2*spinwait.QuickPolls-1, n)
}

func TestSpinIsBoundedByTime(t *testing.T) {
	const d = 2 * time.Millisecond
	start := time.Now()
	polls(spinwait.Fixed(d))
	took := time.Since(start)
	assert.GreaterOrEqual(t, took, d)
	assert.Less(t, took, d+200*time.Millisecond, "a spin of %v took %v", d, took)
}

// wait runs one wait of b: one that polling ends if polled, otherwise one
// that sleeps for slept.
func wait(b *spinwait.Budget, polled bool, slept time.Duration) spinwait.Spinner {
	s := b.Start()
	if !polled {
		for s.More() {
		}
		s.Sleeping()
		time.Sleep(slept)
	}
	b.Done(&s)
	return s
}

// budget reports how long the next wait of b would poll, approximately:
// the time its Spinner takes to run out.
func budget(b *spinwait.Budget) time.Duration {
	s := b.Start()
	start := time.Now()
	for s.More() {
	}
	return time.Since(start)
}

func TestBudgetHalvesAfterLongWaitsAndRefillsAfterAPolledOne(t *testing.T) {
	const max = 200 * time.Microsecond
	b := spinwait.NewBudget(max)
	assert.Equal(t, max, b.Max())
	for range 20 { // 200 µs halved 18 times is nothing
		wait(b, false, 2*time.Millisecond)
	}
	assert.Zero(t, polls(b.Start()), "a budget that decayed polls nothing")
	wait(b, true, 0)
	assert.GreaterOrEqual(t, budget(b), max, "a wait that polling ended restores the maximum")
}

func TestBudgetDoublesAfterAShortSleep(t *testing.T) {
	const max = 5 * time.Millisecond
	b := spinwait.NewBudget(max)
	for range 25 {
		wait(b, false, 12*time.Millisecond) // decays to nothing
	}
	require.Zero(t, polls(b.Start()))
	for range 4 { // 1 µs, 3, 7, 15: each within the maximum
		wait(b, false, 0)
	}
	got := budget(b)
	assert.GreaterOrEqual(t, got, 15*time.Microsecond)
	assert.Less(t, got, max, "grown from nothing, not refilled")
}

func TestZeroBudgetProbesNowAndThen(t *testing.T) {
	const max = 100 * time.Microsecond
	b := spinwait.NewBudget(max)
	for range 20 {
		wait(b, false, time.Millisecond)
	}
	probes := 0
	for range 64 { // waits that learn nothing: the budget stays at zero
		if polls(b.Start()) > 0 {
			probes++
		}
	}
	assert.Equal(t, 4, probes, "one wait in 16 polls the maximum")
}

func TestWokePeerGrantsGraceOnce(t *testing.T) {
	b := spinwait.NewBudget(time.Microsecond)
	b.WokePeer()
	assert.GreaterOrEqual(t, budget(b), spinwait.WakeGrace, "the wait after a wake-up polls the grace")
	assert.Less(t, budget(b), spinwait.WakeGrace, "and only that one")

	b.WokePeer()
	wait(b, false, 2*time.Millisecond) // a grace wait that slept long
	assert.Positive(t, polls(b.Start()), "a long grace wait does not halve the budget")

	never := spinwait.NewBudget(-1)
	never.WokePeer()
	assert.Zero(t, polls(never.Start()), "a budget of nothing has no grace either")
}

func TestBudgetIsSafeForConcurrentWaits(t *testing.T) {
	b := spinwait.NewBudget(5 * time.Microsecond)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 200 {
				if i%7 == g {
					b.WokePeer()
				}
				wait(b, i%3 == 0, 0)
			}
		})
	}
	wg.Wait()
	assert.LessOrEqual(t, budget(b), time.Second)
}

func TestSleepReturnsAtAKick(t *testing.T) {
	defer spinwait.SetMaxSleep(spinwait.SetMaxSleep(time.Hour))
	for _, handOff := range []bool{false, true} {
		var word atomic.Uint32
		go func() {
			time.Sleep(time.Millisecond)
			spinwait.Kick(&word)
		}()
		require.NoError(t, spinwait.Sleep(context.Background(), &word, 0, handOff))
		assert.Equal(t, uint32(1), word.Load())
	}
}

func TestSleepReturnsAtOnceWhenTheWordChanged(t *testing.T) {
	defer spinwait.SetMaxSleep(spinwait.SetMaxSleep(time.Hour))
	var word atomic.Uint32
	word.Store(3)
	assert.NoError(t, spinwait.Sleep(context.Background(), &word, 2, false))
}

func TestSleepEndsWithTheContext(t *testing.T) {
	defer spinwait.SetMaxSleep(spinwait.SetMaxSleep(time.Hour))
	var word atomic.Uint32

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(time.Millisecond, cancel)
	start := time.Now()
	assert.ErrorIs(t, spinwait.Sleep(ctx, &word, 0, true), context.Canceled)
	assert.Less(t, time.Since(start), time.Second)

	// The sleep ends at the deadline; the context's timer may report it a
	// moment later, so the caller's loop ends at the next call or so.
	ctx, cancel = context.WithTimeout(context.Background(), 2*time.Millisecond)
	defer cancel()
	start = time.Now()
	var err error
	for err == nil && time.Since(start) < time.Second {
		err = spinwait.Sleep(ctx, &word, 0, false)
	}
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.ErrorIs(t, spinwait.Sleep(ctx, &word, 0, false), context.DeadlineExceeded, "a past deadline returns at once")
}

func TestSleepIsBounded(t *testing.T) {
	defer spinwait.SetMaxSleep(spinwait.SetMaxSleep(5 * time.Millisecond))
	var word atomic.Uint32
	start := time.Now()
	assert.NoError(t, spinwait.Sleep(context.Background(), &word, 0, false))
	took := time.Since(start)
	assert.GreaterOrEqual(t, took, 4*time.Millisecond)
	assert.Less(t, took, time.Second)
}
