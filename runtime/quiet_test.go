package runtime_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/runtime"
)

// A worker with more tasks queued sends results without waking the master,
// until they are 2 ms old; its watchdog wakes the master for them when the
// next task runs long. A short task queued before a long one is answered
// within tens of milliseconds, not when the long one ends, nor when the
// master's reader would look again on its own (250 ms).
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
	t.Logf("the short task's result arrived after %v", lateness)
	slow := 0
	for _, l := range lateness {
		if l > 150*time.Millisecond {
			slow++
		}
	}
	assert.LessOrEqual(t, slow, 1, "at most one slow answer in 5 (a loaded machine): %v", lateness)
}
