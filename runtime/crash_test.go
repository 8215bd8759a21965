package runtime_test

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	goruntime "runtime"
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
	assert.Equal(t, "exit status 7", ce.Reason)
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

func TestGarbageWorkersAreReplacedAndNothingIsLost(t *testing.T) {
	for seed := range 3 {
		var tally faults.Tally
		var stderr tailBuffer
		p := startPool(t, runtime.Options{Stderr: &stderr, HeartbeatTimeout: 500 * time.Millisecond,
			Logger: slog.New(&tally), Env: []string{fmt.Sprintf("%s=%d", runtime.EnvChaosGarbage, seed+1)}})
		ctx := ctxTimeout(t, time.Minute)
		out, err := runtime.Map(ctx, p, square, ints(400), &runtime.MapOptions{Chunk: 2})
		if err != nil {
			dumpStuckPool(t, p, &tally, &stderr)
		}
		require.NoError(t, err)
		for i, v := range out {
			require.Equal(t, i*i, v)
		}
		s := p.Stats()
		t.Logf("seed %d: %d crashes, %d tasks re-run", seed+1, s.Crashes, s.Redispatched)
		assert.Positive(t, s.Crashes, "garbage was noticed")
	}
}

func TestHeartbeatCatchesStoppedWorker(t *testing.T) {
	var tally faults.Tally
	p := startPool(t, runtime.Options{Workers: 1, HeartbeatTimeout: 300 * time.Millisecond, Stderr: discard{},
		Logger: slog.New(&tally)})
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
	assert.Contains(t, tally.String(), "1 shmrun: worker died (killed by the master: stopped: no heartbeat for)")
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
	var reasons []string
	p.OnWorkerExit(func(e runtime.WorkerExit) {
		mu.Lock()
		reasons = append(reasons, e.Reason)
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
		assert.Equal(t, "exit status 9", ce.Reason)
	}
	s := p.Stats()
	assert.Zero(t, s.Redispatched, "no result was dropped")
	assert.EqualValues(t, rounds, s.Crashes)
	mu.Lock()
	defer mu.Unlock()
	for _, r := range reasons {
		assert.Equal(t, "exit status 9", r)
	}
}

// dumpStuckPool logs what a test needs to tell why a pool stopped making
// progress: each worker's counters, the supervision log, the master's
// goroutines, and the live workers' goroutines (they print them on
// SIGQUIT into stderr, which the pool sends to the tail buffer).
func dumpStuckPool(t *testing.T, p *runtime.Pool, tally *faults.Tally, stderr *tailBuffer) {
	t.Helper()
	for _, w := range p.Stats().Workers {
		t.Logf("worker %+v", w)
	}
	t.Logf("supervision log:\n%s", tally)
	buf := make([]byte, 1<<20)
	t.Logf("master goroutines:\n%s", buf[:goruntime.Stack(buf, true)])
	for _, w := range p.Stats().Workers {
		if w.Alive && w.PID > 0 {
			syscall.Kill(w.PID, syscall.SIGQUIT)
		}
	}
	time.Sleep(time.Second)
	t.Logf("workers' stderr, last part:\n%s", stderr.String())
}

// tailBuffer keeps the last 256 KiB written to it; safe for concurrent use.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - 256<<10; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}
