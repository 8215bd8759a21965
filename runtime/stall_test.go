package runtime_test

import (
	"context"
	"encoding/binary"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/internal/faults"
	"github.com/shmrun/shmrun/runtime"
)

// loseThePlace, on its first attempt, does what a worker whose memory is
// corrupt may do: it stops taking tasks, alive and beating. It clears its
// worker's running word (the task it runs, as the master sees it) and
// waits for its context, which only the worker's death ends. Later
// attempts return the argument.
var loseThePlace = runtime.Register("test.loseThePlace", func(env *runtime.Env, x int) (int, error) {
	if env.Attempt() > 1 {
		return x, nil
	}
	r, err := env.Arena().Region(runtime.ControlName(env.Worker()))
	if err != nil {
		return 0, err
	}
	binary.LittleEndian.PutUint64(r.Bytes()[:8], 0)
	<-env.Context().Done()
	return 0, env.Context().Err()
})

func TestStalledWorkerIsKilledAndItsTasksRunElsewhere(t *testing.T) {
	p := startPool(t, runtime.Options{Workers: 1, HeartbeatTimeout: 300 * time.Millisecond, Stderr: discard{}})
	var deaths faults.Deaths
	p.OnWorkerExit(deaths.Record)
	ctx := ctxTimeout(t, 30*time.Second)
	f, err := loseThePlace.Submit(ctx, p, 7)
	require.NoError(t, err)
	queued, err := square.Submit(ctx, p, 5) // behind it, on the same worker
	require.NoError(t, err)
	v, err := f.Wait(ctx)
	require.NoError(t, err, "re-run on the replacement")
	assert.Equal(t, 7, v)
	w, err := queued.Wait(ctx)
	require.NoError(t, err)
	assert.Equal(t, 25, w)
	assert.Equal(t, 1, deaths.Killed(runtime.KillStalled), "%v", &deaths)
	assert.EqualValues(t, 1, p.Stats().Crashes)
}

func TestBusyWorkerIsNotStalled(t *testing.T) {
	// A kernel that runs for several heartbeat timeouts, with tasks queued
	// behind it, is working, not stalled.
	p := startPool(t, runtime.Options{Workers: 1, HeartbeatTimeout: 100 * time.Millisecond, Stderr: discard{}})
	ctx := ctxTimeout(t, 30*time.Second)
	long, err := sleepy.Submit(ctx, p, 600*time.Millisecond)
	require.NoError(t, err)
	var queued []runtime.Future[int]
	for i := range 4 {
		f, err := square.Submit(ctx, p, i)
		require.NoError(t, err)
		queued = append(queued, f)
	}
	_, err = long.Wait(ctx)
	require.NoError(t, err)
	for i, f := range queued {
		v, err := f.Wait(context.Background())
		require.NoError(t, err)
		assert.Equal(t, i*i, v)
	}
	assert.Zero(t, p.Stats().Crashes)
}
