package proxy_test

import (
	"context"
	"errors"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/proxy"
	"github.com/shmrun/shmrun/runtime"
)

var (
	// stallOn calls stall on the named object, from a worker other than
	// NotWorker, and reports how that call and a next one ended.
	stallOn = runtime.Register("proxytest.stallOn", func(env *runtime.Env, j callJob) (stallOutcome, error) {
		if j.NotWorker == env.Worker()+1 {
			return stallOutcome{Skipped: true}, nil
		}
		h, err := proxy.Open(env)
		if err != nil {
			return stallOutcome{}, err
		}
		obj, err := h.Dial(j.Name)
		if err != nil {
			return stallOutcome{}, err
		}
		stall := proxy.NewStub[time.Duration, int](obj, "stall")
		ctx, cancel := context.WithTimeout(env.Context(), 30*time.Second)
		defer cancel()
		var out stallOutcome
		began := time.Now()
		_, err = stall.Call(ctx, time.Minute)
		out.First, out.FirstTook = errors.Is(err, proxy.ErrHomeDied), time.Since(began)
		began = time.Now()
		_, err = stall.Call(ctx, time.Minute)
		out.Next, out.NextTook = errors.Is(err, proxy.ErrHomeDied), time.Since(began)
		return out, nil
	})

	// callThenDie, on its first attempt, leaves a call to the master's
	// stall pending and dies; on the next, in the replacement process, it
	// checks that the stale reply to that call never reaches a new call.
	callThenDie = runtime.Register("proxytest.callThenDie", func(env *runtime.Env, name string) (int, error) {
		h, err := proxy.Open(env)
		if err != nil {
			return 0, err
		}
		obj, err := h.Dial(name)
		if err != nil {
			return 0, err
		}
		if env.Attempt() == 1 {
			go proxy.Call[time.Duration, int](context.Background(), obj, "stall", 300*time.Millisecond)
			time.Sleep(50 * time.Millisecond)
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			time.Sleep(time.Second)
		}
		add := proxy.NewStub[int, int](obj, "add")
		prev, err := add.Call(env.Context(), 0)
		if err != nil {
			return 0, err
		}
		deadline := time.Now().Add(600 * time.Millisecond)
		calls := 0
		for ; time.Now().Before(deadline) || calls < 500; calls++ {
			v, err := add.Call(env.Context(), 1)
			if err != nil {
				return calls, err
			}
			if v != prev+1 {
				return calls, errors.New("a call got another call's reply")
			}
			prev = v
		}
		return calls, nil
	})
)

type stallOutcome struct {
	Skipped, First, Next bool
	FirstTook, NextTook  time.Duration
}

func TestHomeDeathFailsPendingAndNewCallsAtOnce(t *testing.T) {
	p, h := start(t, runtime.Options{Workers: 1, Stderr: discard{}}, &proxy.Options{Handlers: 3})
	home := serveInWorker(t, p, "mortal")
	obj, err := h.Dial("mortal")
	require.NoError(t, err)
	ctx := ctxTimeout(t, 60*time.Second)

	const pending = 8 // 3 run in the home's handlers, 5 wait for one
	errs := make(chan error, pending)
	for range pending {
		go func() {
			_, err := proxy.Call[time.Duration, int](ctx, obj, "stall", time.Minute)
			errs <- err
		}()
	}
	time.Sleep(200 * time.Millisecond)
	pid := p.Stats().Workers[home-1].PID
	killed := time.Now()
	require.NoError(t, syscall.Kill(pid, syscall.SIGKILL))
	for range pending {
		assert.ErrorIs(t, <-errs, proxy.ErrHomeDied)
	}
	assert.Less(t, time.Since(killed), 2*time.Second, "pending calls fail at once, not at their deadline")

	began := time.Now()
	_, err = proxy.Call[int, int](ctx, obj, "add", 1)
	assert.ErrorIs(t, err, proxy.ErrHomeDied)
	assert.Less(t, time.Since(began), 50*time.Millisecond, "a new call fails at once")
	_, err = h.Dial("mortal")
	assert.ErrorIs(t, err, proxy.ErrHomeDied)
	assert.EqualValues(t, 1, h.Stats().Deaths)

	// The replacement serves the name again; the old proxy stays dead.
	require.Eventually(t, func() bool { return p.Stats().Workers[0].Alive }, 10*time.Second, 5*time.Millisecond)
	serveInWorker(t, p, "mortal")
	again, err := h.Dial("mortal")
	require.NoError(t, err)
	v, err := proxy.Call[int, int](ctx, again, "add", 7)
	require.NoError(t, err)
	assert.Equal(t, 7, v, "a fresh object in the new process")
	_, err = proxy.Call[int, int](ctx, obj, "add", 1)
	assert.ErrorIs(t, err, proxy.ErrHomeDied)
}

func TestHomeKilledDuringItsMethod(t *testing.T) {
	p, _, obj := dialCounter(t, runtime.Processes, "suicidal", nil)
	began := time.Now()
	_, err := proxy.Call[int, int](ctxTimeout(t, 30*time.Second), obj, "kill", 0)
	assert.ErrorIs(t, err, proxy.ErrHomeDied)
	assert.Less(t, time.Since(began), 2*time.Second)
	// A pool closed while it starts a replacement waits for its handshake
	// timeout: let the replacement come up first.
	require.Eventually(t, func() bool { return p.Stats().Workers[0].Alive }, 10*time.Second, 5*time.Millisecond)
}

func TestWorkerCallerLearnsOfAnotherWorkersDeath(t *testing.T) {
	p, _ := start(t, runtime.Options{Workers: 2, Stderr: discard{}}, nil)
	ctx := ctxTimeout(t, 60*time.Second)
	home := serveInWorker(t, p, "far")
	for attempt := 0; ; attempt++ {
		require.Less(t, attempt, 20, "the caller never ran in the other worker")
		f, err := stallOn.Submit(ctx, p, callJob{Name: "far", NotWorker: home})
		require.NoError(t, err)
		time.Sleep(300 * time.Millisecond)
		if f.Done() {
			out, err := f.Wait(ctx)
			require.NoError(t, err)
			require.True(t, out.Skipped, "%+v", out)
			continue
		}
		require.NoError(t, syscall.Kill(p.Stats().Workers[home-1].PID, syscall.SIGKILL))
		out, err := f.Wait(ctx)
		require.NoError(t, err)
		assert.True(t, out.First, "the pending call failed with ErrHomeDied")
		assert.Less(t, out.FirstTook, 2*time.Second)
		assert.True(t, out.Next, "the next call too")
		assert.Less(t, out.NextTook, 50*time.Millisecond)
		return
	}
}

func TestReplacementWorkerIgnoresStaleReplies(t *testing.T) {
	p, h := start(t, runtime.Options{Workers: 1, Stderr: discard{}}, nil)
	ctx := ctxTimeout(t, 60*time.Second)
	require.NoError(t, h.Serve(ctx, newCounter("master.side")))
	calls, err := callThenDie.Run(ctx, p, "master.side")
	require.NoError(t, err)
	assert.GreaterOrEqual(t, calls, 500)
	assert.EqualValues(t, 1, p.Stats().Crashes)
}

// discard is an io.Writer for the output of workers that die on purpose.
type discard struct{}

func (discard) Write(b []byte) (int, error) { return len(b), nil }
