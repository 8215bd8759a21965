package proxy_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/proxy"
	"github.com/shmrun/shmrun/runtime"
)

func TestWorkerCallsMaster(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			p, h := start(t, runtime.Options{Mode: mode}, nil)
			ctx := ctxTimeout(t, 60*time.Second)
			require.NoError(t, h.Serve(ctx, newCounter("master.counter")))
			jobs := []callJob{{Name: "master.counter", Calls: 200, Goroutines: 4}, {Name: "master.counter", Calls: 200, Goroutines: 4}}
			outs, err := runtime.Map(ctx, p, callCounter, jobs, &runtime.MapOptions{Chunk: 1})
			require.NoError(t, err)
			for _, o := range outs {
				assert.Equal(t, 0, o.Home, "the counter lives in the master")
				assert.Positive(t, o.Last)
			}
			obj, err := h.Dial("master.counter")
			require.NoError(t, err)
			sum, err := proxy.Call[int, int](ctx, obj, "add", 0)
			require.NoError(t, err)
			assert.Equal(t, 2*200*4, sum, "every call from the workers arrived once")
		})
	}
}

func TestMasterCallsWorker(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			p, h := start(t, runtime.Options{Mode: mode}, nil)
			ctx := ctxTimeout(t, 30*time.Second)
			home := serveInWorker(t, p, "worker.counter")
			obj, err := h.Dial("worker.counter")
			require.NoError(t, err)
			if mode == runtime.Processes {
				assert.Equal(t, home, obj.Home(), "the object lives in the worker that served it")
				pid, err := proxy.Call[int, int](ctx, obj, "pid", 0)
				require.NoError(t, err)
				assert.Equal(t, p.Stats().Workers[home-1].PID, pid, "the method ran in the worker, after its kernel returned")
			} else {
				assert.Equal(t, 0, obj.Home(), "goroutine workers share the master's hub")
			}
			add := proxy.NewStub[int, int](obj, "add")
			var wg sync.WaitGroup
			for range 16 {
				wg.Go(func() {
					for range 100 {
						_, err := add.Call(ctx, 2)
						assert.NoError(t, err)
					}
				})
			}
			wg.Wait()
			sum, err := add.Call(ctx, 0)
			require.NoError(t, err)
			assert.Equal(t, 16*100*2, sum)
			echo, err := proxy.Call[string, string](ctx, obj, "echo", "héllo")
			require.NoError(t, err)
			assert.Equal(t, "héllo", echo)
		})
	}
}

func TestWorkerCallsAnotherWorker(t *testing.T) {
	p, _ := start(t, runtime.Options{Workers: 2}, nil)
	ctx := ctxTimeout(t, 60*time.Second)
	home := serveInWorker(t, p, "peer.counter")
	job := callJob{Name: "peer.counter", Calls: 50, Goroutines: 2, NotWorker: home}
	for attempt := 0; ; attempt++ {
		require.Less(t, attempt, 20, "the call never ran in the other worker")
		out, err := callCounter.Run(ctx, p, job)
		require.NoError(t, err)
		if out.Skipped {
			continue
		}
		assert.Equal(t, home, out.Home)
		assert.NotEqual(t, home, out.Worker+1)
		assert.Equal(t, 100, out.Last, "all calls of the one kernel arrived")
		return
	}
}

func TestOpenWithoutHub(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			ctx := ctxTimeout(t, 30*time.Second)
			p, err := runtime.Start(ctx, &runtime.Options{Workers: 1, Mode: mode})
			require.NoError(t, err)
			defer p.Close(ctx)
			msg, err := openHub.Run(ctx, p, 0)
			require.NoError(t, err)
			assert.Equal(t, "no hub", msg)
		})
	}
}

func TestServeWithdrawAndNames(t *testing.T) {
	_, h := start(t, runtime.Options{Workers: 1}, &proxy.Options{Objects: 3})
	ctx := ctxTimeout(t, 30*time.Second)
	svc := newCounter("named")
	require.NoError(t, h.Serve(ctx, svc))
	assert.ErrorIs(t, h.Serve(ctx, svc), proxy.ErrExists, "served already")
	assert.ErrorIs(t, h.Serve(ctx, newCounter("named")), proxy.ErrExists, "the name is taken")
	assert.ErrorIs(t, h.Serve(ctx, newCounter("")), proxy.ErrBadName)
	assert.ErrorIs(t, h.Serve(ctx, newCounter(fmt.Sprintf("%041d", 0))), proxy.ErrBadName)
	require.NoError(t, h.Serve(ctx, newCounter("second")))
	assert.ErrorIs(t, h.Serve(ctx, newCounter("third")), proxy.ErrDirectoryFull,
		"three entries: the directory service and two objects")

	obj, err := h.Dial("named")
	require.NoError(t, err)
	_, err = proxy.Call[int, int](ctx, obj, "add", 1)
	require.NoError(t, err)
	require.NoError(t, h.Withdraw(ctx, svc))
	_, err = proxy.Call[int, int](ctx, obj, "add", 1)
	assert.ErrorIs(t, err, proxy.ErrUnknownObject, "a withdrawn object")
	_, err = h.Dial("named")
	assert.ErrorIs(t, err, proxy.ErrUnknownObject)
	assert.ErrorIs(t, h.Withdraw(ctx, svc), proxy.ErrUnknownObject)

	require.NoError(t, h.Serve(ctx, svc), "served again after a withdrawal")
	obj2, err := h.Dial("named")
	require.NoError(t, err)
	_, err = proxy.Call[int, int](ctx, obj2, "add", 1)
	require.NoError(t, err)
	_, err = proxy.Call[int, int](ctx, obj, "add", 1)
	assert.ErrorIs(t, err, proxy.ErrUnknownObject, "the old proxy is bound to the old generation")
	assert.Panics(t, func() { proxy.Method(svc, "late", func(context.Context, int) (int, error) { return 0, nil }) })
	assert.Panics(t, func() {
		s := proxy.NewService("twice")
		proxy.Method(s, "m", func(context.Context, int) (int, error) { return 0, nil })
		proxy.Method(s, "m", func(context.Context, int) (int, error) { return 0, nil })
	})
}

func TestArenaSizeCoversTheHub(t *testing.T) {
	for _, o := range []*proxy.Options{nil, {Objects: 4, MaxMessage: 256}, {MaxMessage: 64 << 10}} {
		p, _ := start(t, runtime.Options{Workers: 3}, o)
		var got int64
		for _, r := range p.Arena().Regions() {
			if r.Name == "shmrun.proxy" {
				got = r.Len
			}
		}
		require.Positive(t, got)
		assert.LessOrEqual(t, int(got), proxy.ArenaSize(3, o))
		assert.Greater(t, proxy.ArenaSize(4, o), proxy.ArenaSize(3, o), "an endpoint per worker")
	}
}

func TestWorkerServesAndWithdrawsThroughTheMaster(t *testing.T) {
	p, h := start(t, runtime.Options{Workers: 1}, nil)
	ctx := ctxTimeout(t, 30*time.Second)
	serveInWorker(t, p, "w.served")
	_, err := serveCounter.Run(ctx, p, "w.served")
	assert.ErrorContains(t, err, proxy.ErrExists.Error(), "the master's directory refuses a taken name")
	_, err = serveCounter.Run(ctx, p, "")
	assert.ErrorContains(t, err, proxy.ErrBadName.Error())
	assert.ErrorIs(t, h.Serve(ctx, newCounter("w.served")), proxy.ErrExists, "the master sees the worker's name")

	obj, err := h.Dial("w.served")
	require.NoError(t, err)
	_, err = proxy.Call[int, int](ctx, obj, "add", 1)
	require.NoError(t, err)
	_, err = withdraw.Run(ctx, p, "w.served")
	require.NoError(t, err)
	_, err = proxy.Call[int, int](ctx, obj, "add", 1)
	assert.ErrorIs(t, err, proxy.ErrUnknownObject)
	_, err = h.Dial("w.served")
	assert.ErrorIs(t, err, proxy.ErrUnknownObject)
	_, err = withdraw.Run(ctx, p, "w.served")
	assert.ErrorContains(t, err, proxy.ErrUnknownObject.Error(), "withdrawn already")
	require.NoError(t, h.Serve(ctx, newCounter("w.served")), "the name is free again")
}

func TestCallsWithoutPolling(t *testing.T) {
	// Spin < 0: every wait sleeps on a futex, and every reply and request
	// goes through a wake-up.
	p, h := start(t, runtime.Options{Workers: 1}, &proxy.Options{Spin: -1})
	ctx := ctxTimeout(t, 60*time.Second)
	serveInWorker(t, p, "sleepy")
	obj, err := h.Dial("sleepy")
	require.NoError(t, err)
	add := proxy.NewStub[int, int](obj, "add")
	for i := range 100 {
		sum, err := add.Call(ctx, 1)
		require.NoError(t, err)
		require.Equal(t, i+1, sum)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				_, err := add.Call(ctx, 1)
				assert.NoError(t, err)
			}
		})
	}
	wg.Wait()
	sum, err := add.Call(ctx, 0)
	require.NoError(t, err)
	assert.Equal(t, 100+8*50, sum)
}
