package runtime_test

import (
	"math/rand/v2"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/internal/faults"
	"github.com/shmrun/shmrun/runtime"
)

func TestCrashIsRedoneOnAnotherWorker(t *testing.T) {
	p := startPool(t, runtime.Options{})
	ctx := ctxTimeout(t, 30*time.Second)
	v, err := crashFirst.Run(ctx, p, 1)
	require.NoError(t, err)
	assert.Equal(t, 1001, v)
	s := p.Stats()
	assert.EqualValues(t, 1, s.Crashes)
	assert.EqualValues(t, 1, s.Redispatched)
	restarts := 0
	for _, w := range s.Workers {
		restarts += w.Restarts
	}
	assert.Equal(t, 1, restarts, "the dead worker was replaced")
	require.Eventually(t, func() bool {
		for _, w := range p.Stats().Workers {
			if !w.Alive {
				return false
			}
		}
		return true
	}, 10*time.Second, 10*time.Millisecond, "back to full strength")
}

func TestCrashLimitNamesTheTaskAndTheCrash(t *testing.T) {
	p := startPool(t, runtime.Options{Stderr: discard{}})
	ctx := ctxTimeout(t, 30*time.Second)
	_, err := crashAlways.Run(ctx, p, 1)
	require.ErrorIs(t, err, runtime.ErrWorkerCrashed)
	var ce *runtime.CrashError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, 3, ce.Attempts)
	assert.Equal(t, "test.crashAlways", ce.Kernel)
	assert.Equal(t, runtime.ExitCrashed, ce.Exit.Cause)
	assert.Equal(t, 7, ce.Exit.Status)
	assert.Contains(t, ce.Stderr, "crashAlways: dying now")
	assert.Contains(t, err.Error(), "crashAlways: dying now")

	// A map carries on past the crashing items, by option.
	items := []int{1, -1, 2, 3, -2, 4}
	out, err := runtime.Map(ctx, p, crashIf, items, &runtime.MapOptions{ContinueOnError: true, Chunk: 1})
	require.ErrorIs(t, err, runtime.ErrWorkerCrashed)
	assert.Equal(t, []int{1, 0, 4, 9, 0, 16}, out)
}

func TestSIGKILLDuringMapLosesNothing(t *testing.T) {
	// The kills come from outside, and the pool blames each on the task
	// its worker was running: on a loaded machine a task runs long enough
	// to be hit three times, and would fail as one that kills workers.
	p := startPool(t, runtime.Options{Stderr: discard{}, MaxAttempts: 1000})
	ctx := ctxTimeout(t, 2*time.Minute)
	const n = 10000
	stop := make(chan struct{})
	killed := make(chan int)
	go func() {
		kills := 0
		defer func() { killed <- kills }()
		rng := rand.New(rand.NewPCG(1, 2))
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Duration(20+rng.IntN(30)) * time.Millisecond):
			}
			// Only a worker that said hello: killing one that is still
			// starting, which under load takes longer than the pause
			// between kills, makes the pool give up on the slot as one
			// whose workers cannot start (and fail the map with "no
			// worker can start"), a different test.
			ws := p.Stats().Workers
			if w := ws[rng.IntN(len(ws))]; w.Alive && syscall.Kill(w.PID, syscall.SIGKILL) == nil {
				kills++
			}
		}
	}()
	seen := make([]int, n)
	var pulled atomicCounter
	for it, err := range runtime.MapSeq(ctx, p, slowSquare, countingSeq(n, &pulled), &runtime.MapOptions{Unordered: true}) {
		require.NoError(t, err)
		require.Equal(t, it.Index*it.Index, it.Value, "item %d", it.Index)
		seen[it.Index]++
	}
	close(stop)
	kills := <-killed
	for i, c := range seen {
		require.Equal(t, 1, c, "item %d arrived %d times", i, c)
	}
	s := p.Stats()
	t.Logf("%d items, %d SIGKILLs, %d crashes seen, %d tasks re-run", n, kills, s.Crashes, s.Redispatched)
	assert.Positive(t, s.Crashes)
	// A SIGKILL may land on a worker already dead and not yet reaped.
	assert.LessOrEqual(t, s.Crashes, uint64(kills))
}

func TestHeartbeatCatchesStoppedWorker(t *testing.T) {
	p := startPool(t, runtime.Options{Workers: 1, HeartbeatTimeout: 300 * time.Millisecond, Stderr: discard{}})
	var deaths faults.Deaths
	p.OnWorkerExit(deaths.Record)
	ctx := ctxTimeout(t, 30*time.Second)
	f, err := sleepy.Submit(ctx, p, 200*time.Millisecond)
	require.NoError(t, err)
	time.Sleep(20 * time.Millisecond)
	pid := p.Stats().Workers[0].PID
	require.NoError(t, syscall.Kill(pid, syscall.SIGSTOP))
	v, err := f.Wait(ctx)
	require.NoError(t, err, "re-run on the replacement")
	assert.Equal(t, 200*time.Millisecond, v)
	assert.NotEqual(t, pid, p.Stats().Workers[0].PID)
	assert.Equal(t, 1, deaths.Killed(runtime.KillStopped), "%v", &deaths)
}

func TestStuckKernelKilledAfterDeadline(t *testing.T) {
	p := startPool(t, runtime.Options{Workers: 1, HeartbeatTimeout: 200 * time.Millisecond, Stderr: discard{}})
	ctx := ctxTimeout(t, 100*time.Millisecond)
	start := time.Now()
	_, err := spin.Run(ctx, p, 0)
	require.Error(t, err)
	require.Eventually(t, func() bool { return p.Stats().Crashes == 1 }, 10*time.Second, 10*time.Millisecond,
		"the worker stuck in the kernel was killed")
	t.Logf("killed %v after the deadline", time.Since(start)-100*time.Millisecond)
	v, err := square.Run(ctxTimeout(t, 20*time.Second), p, 7)
	require.NoError(t, err)
	assert.Equal(t, 49, v)
}

type discard struct{}

func (discard) Write(b []byte) (int, error) { return len(b), nil }

// TestResultsSentBeforeACrashCount queues tasks behind a slow one, so
// that the worker runs them in a burst and dies at the last, right after it
// sent the others' results: results the master may not have read when it
// learns of the death. They are whole and count (nothing runs again), and
// the death is the kernel's (exit status 9, blamed on its task), never a
// protocol violation of the master's making.
func TestResultsSentBeforeACrashCount(t *testing.T) {
	p := startPool(t, runtime.Options{Workers: 1, MaxAttempts: 1, Stderr: discard{}})
	var mu sync.Mutex
	var exits []runtime.WorkerExit
	p.OnWorkerExit(func(e runtime.WorkerExit) {
		mu.Lock()
		exits = append(exits, e)
		mu.Unlock()
	})
	ctx := ctxTimeout(t, time.Minute)
	const rounds, burst = 10, 14
	for range rounds {
		slow, err := sleepy.Submit(ctx, p, 20*time.Millisecond)
		require.NoError(t, err)
		var fs []runtime.Future[int]
		for i := range burst {
			f, err := square.Submit(ctx, p, i)
			require.NoError(t, err)
			fs = append(fs, f)
		}
		crash, err := crashIf.Submit(ctx, p, -1)
		require.NoError(t, err)
		_, err = slow.Wait(ctx)
		require.NoError(t, err)
		for i, f := range fs {
			v, err := f.Wait(ctx)
			require.NoError(t, err)
			require.Equal(t, i*i, v)
		}
		_, err = crash.Wait(ctx)
		var ce *runtime.CrashError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, runtime.ExitCrashed, ce.Exit.Cause)
		assert.Equal(t, 9, ce.Exit.Status)
	}
	s := p.Stats()
	assert.Zero(t, s.Redispatched, "no result was dropped")
	assert.EqualValues(t, rounds, s.Crashes)
	mu.Lock()
	defer mu.Unlock()
	for _, e := range exits {
		assert.Equal(t, runtime.ExitCrashed, e.Cause, "%v", e)
		assert.Equal(t, 9, e.Status, "%v", e)
	}
}
