package proxy_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/internal/placement"
	"github.com/shmrun/shmrun/proxy"
	"github.com/shmrun/shmrun/runtime"
)

// TestMain makes the test binary its own worker: the pool re-executes it,
// and runtime.Main turns that process into a worker before any test runs.
func TestMain(m *testing.M) {
	placement.Serve()
	runtime.Main()
	os.Exit(m.Run())
}

// The kernels the tests run, registered identically in every process.
var (
	// serveCounter serves a counter under the given name in the worker
	// that runs it, and returns that worker's index.
	serveCounter = runtime.Register("proxytest.serveCounter", func(env *runtime.Env, name string) (int, error) {
		h, err := proxy.Open(env)
		if err != nil {
			return 0, err
		}
		svc := newCounter(name)
		if err := h.Serve(env.Context(), svc); err != nil {
			return 0, err
		}
		servedHere.Store(name, svc)
		return env.Worker(), nil
	})

	// callCounter calls add on the counter named in the job, Calls times
	// from Goroutines goroutines, and reports where it ran and the largest
	// sum it saw.
	callCounter = runtime.Register("proxytest.callCounter", func(env *runtime.Env, j callJob) (callOutcome, error) {
		out := callOutcome{Worker: env.Worker(), PID: os.Getpid()}
		if j.NotWorker == env.Worker()+1 {
			out.Skipped = true
			return out, nil
		}
		h, err := proxy.Open(env)
		if err != nil {
			return out, err
		}
		obj, err := h.Dial(j.Name)
		if err != nil {
			return out, err
		}
		add := proxy.NewStub[int, int](obj, "add")
		errs := make(chan error, j.Goroutines)
		var last atomic.Int64
		for range j.Goroutines {
			go func() {
				for range j.Calls {
					v, err := add.Call(env.Context(), 1)
					if err != nil {
						errs <- err
						return
					}
					for old := last.Load(); int64(v) > old && !last.CompareAndSwap(old, int64(v)); old = last.Load() {
					}
				}
				errs <- nil
			}()
		}
		for range j.Goroutines {
			if err := <-errs; err != nil {
				return out, err
			}
		}
		out.Last = int(last.Load())
		out.Home = obj.Home()
		return out, nil
	})

	// withdraw withdraws the object serveCounter served in this process.
	withdraw = runtime.Register("proxytest.withdraw", func(env *runtime.Env, name string) (int, error) {
		h, err := proxy.Open(env)
		if err != nil {
			return 0, err
		}
		v, ok := servedHere.Load(name)
		if !ok {
			return 0, fmt.Errorf("%q was not served in worker %d", name, env.Worker())
		}
		return env.Worker(), h.Withdraw(env.Context(), v.(*proxy.Service))
	})

	// openHub reports whether a kernel finds a hub.
	openHub = runtime.Register("proxytest.openHub", func(env *runtime.Env, _ int) (string, error) {
		_, err := proxy.Open(env)
		if errors.Is(err, proxy.ErrNoHub) {
			return "no hub", nil
		}
		return fmt.Sprint(err), nil
	})
)

// servedHere holds the services serveCounter served in this process.
var servedHere sync.Map

// callJob asks callCounter for calls; NotWorker, if set, is the endpoint
// (worker+1) the kernel must not run in.
type callJob struct {
	Name              string
	Calls, Goroutines int
	NotWorker         int
}

type callOutcome struct {
	Worker, PID, Home, Last int
	Skipped                 bool
}

// counter is the object most tests serve: a sum, and methods that fail in
// every way a method can.
type counter struct {
	sum   atomic.Int64
	calls atomic.Int64
}

func newCounter(name string) *proxy.Service {
	svc, _ := newCounterAt(name)
	return svc
}

// newCounterAt is newCounter that also returns the counter, for a test in
// the counter's home process to read.
func newCounterAt(name string) (*proxy.Service, *counter) {
	c := &counter{}
	svc := proxy.NewService(name)
	proxy.Method(svc, "add", func(_ context.Context, n int) (int, error) {
		c.calls.Add(1)
		return int(c.sum.Add(int64(n))), nil
	})
	proxy.Method(svc, "echo", func(_ context.Context, s string) (string, error) { return s, nil })
	proxy.Method(svc, "fail", func(_ context.Context, msg string) (int, error) { return 0, errors.New(msg) })
	proxy.Method(svc, "panic", func(_ context.Context, _ int) (int, error) {
		var m map[int]int
		//lint:ignore SA5000 the panic of a nil map write is the point
		m[1] = 1
		return 0, nil
	})
	// sleep waits for d or until its context ends, and says which.
	proxy.Method(svc, "sleep", func(ctx context.Context, d time.Duration) (string, error) {
		select {
		case <-time.After(d):
			return "slept", nil
		case <-ctx.Done():
			return "", ctx.Err()
		}
	})
	// stall ignores its context.
	proxy.Method(svc, "stall", func(_ context.Context, d time.Duration) (int, error) {
		time.Sleep(d)
		return os.Getpid(), nil
	})
	proxy.Method(svc, "pid", func(_ context.Context, _ int) (int, error) { return os.Getpid(), nil })
	proxy.Method(svc, "kill", func(_ context.Context, _ int) (int, error) {
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		time.Sleep(time.Second)
		return 0, nil
	})
	return svc, c
}

var modes = []runtime.Mode{runtime.Processes, runtime.Goroutines}

// start starts a pool and its hub; the test closes both at its end, the
// hub first.
func start(t testing.TB, o runtime.Options, ho *proxy.Options) (*runtime.Pool, *proxy.Hub) {
	t.Helper()
	if o.Workers == 0 {
		o.Workers = 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := runtime.Start(ctx, &o)
	require.NoError(t, err)
	h, err := proxy.New(p, ho)
	if err != nil {
		p.Close(ctx)
		require.NoError(t, err)
	}
	t.Cleanup(func() {
		require.NoError(t, h.Close())
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := p.Close(ctx); err != nil {
			t.Errorf("close pool: %v", err)
		}
	})
	return p, h
}

func ctxTimeout(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// serveInWorker serves a counter in some worker and returns its endpoint.
func serveInWorker(t testing.TB, p *runtime.Pool, name string) int {
	t.Helper()
	w, err := serveCounter.Run(ctxTimeout(t, 30*time.Second), p, name)
	require.NoError(t, err)
	return w + 1
}
