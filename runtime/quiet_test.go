package runtime_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/runtime"
)

// A short task with one long task queued behind it is answered at once:
// too little work is queued (in units of the short task) for its result to
// go out quietly. It must not wait for the long one to end, nor for the
// master's reader to look again on its own (250 ms).
func TestResultBeforeALongTaskArrivesSoon(t *testing.T) {
	p := startPool(t, runtime.Options{Workers: 1})
	ctx := ctxTimeout(t, 30*time.Second)
	var lateness []time.Duration
	for range 5 {
		short, err := sleepy.Submit(ctx, p, 0)
		require.NoError(t, err)
		long, err := sleepy.Submit(ctx, p, 400*time.Millisecond)
		require.NoError(t, err)
		began := time.Now()
		_, err = short.Wait(ctx)
		require.NoError(t, err)
		lateness = append(lateness, time.Since(began))
		_, err = long.Wait(ctx)
		require.NoError(t, err)
	}
	assertPrompt(t, lateness)
}

// sleepCtx sleeps for its argument or until its task is cancelled.
var sleepCtx = runtime.Register("test.sleepCtx", func(env *runtime.Env, d time.Duration) (time.Duration, error) {
	select {
	case <-time.After(d):
	case <-env.Context().Done():
	}
	return d, nil
})

// A 1 ms task with four long ones queued behind it has its result sent
// quietly (the queue covers the master's longest wait for it); the worker's
// watchdog, not the end of the next task or the master's reader looking
// again on its own (250 ms), wakes the master for it.
func TestQuietResultBeforeLongTasksArrivesSoon(t *testing.T) {
	p := startPool(t, runtime.Options{Workers: 1})
	ctx := ctxTimeout(t, 30*time.Second)
	var lateness []time.Duration
	for range 5 {
		short, err := sleepCtx.Submit(ctx, p, time.Millisecond)
		require.NoError(t, err)
		long := make([]runtime.Future[time.Duration], 4)
		for i := range long {
			long[i], err = sleepCtx.Submit(ctx, p, 5*time.Second)
			require.NoError(t, err)
		}
		began := time.Now()
		_, err = short.Wait(ctx)
		require.NoError(t, err)
		lateness = append(lateness, time.Since(began))
		for _, f := range long {
			f.Cancel()
		}
	}
	assertPrompt(t, lateness)
}

// assertPrompt checks that at most one of the short task's answers (a
// loaded machine) came later than 150 ms.
func assertPrompt(t *testing.T, lateness []time.Duration) {
	t.Helper()
	t.Logf("the short task's result arrived after %v", lateness)
	slow := 0
	for _, l := range lateness {
		if l > 150*time.Millisecond {
			slow++
		}
	}
	assert.LessOrEqual(t, slow, 1, "at most one slow answer in %d: %v", len(lateness), lateness)
}
