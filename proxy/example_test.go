package proxy_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/shmrun/shmrun/proxy"
	"github.com/shmrun/shmrun/runtime"
)

// greet runs in a worker process and calls the master's greeter.
var greet = runtime.Register("example.greet", func(env *runtime.Env, who string) (string, error) {
	hub, err := proxy.Open(env)
	if err != nil {
		return "", err
	}
	greeter, err := hub.Dial("greeter")
	if err != nil {
		return "", err
	}
	return proxy.Call[string, string](env.Context(), greeter, "hello", who)
})

// serveTally serves a tally in the worker that runs it; the tally stays
// there, callable, after the kernel returns.
var serveTally = runtime.Register("example.serveTally", func(env *runtime.Env, _ int) (int, error) {
	hub, err := proxy.Open(env)
	if err != nil {
		return 0, err
	}
	total := 0 // the handlers run one call at a time here: Options.Handlers 1
	svc := proxy.NewService("tally")
	proxy.Method(svc, "add", func(_ context.Context, n int) (int, error) {
		total += n
		return total, nil
	})
	return env.Worker(), hub.Serve(env.Context(), svc)
})

// countHits runs in a worker process and posts n hits to the master's
// counter, without waiting for the master to count them.
var countHits = runtime.Register("example.countHits", func(env *runtime.Env, n int) (int, error) {
	hub, err := proxy.Open(env)
	if err != nil {
		return 0, err
	}
	hits, err := hub.Dial("hits")
	if err != nil {
		return 0, err
	}
	add := proxy.NewStub[int, struct{}](hits, "add")
	for range n {
		if err := add.Post(env.Context(), 1); err != nil {
			return 0, err
		}
	}
	return n, nil
})

// ExampleStub_Post counts hits that kernels in worker processes post to
// the master, then drains the master's hub so that the count is exact.
func ExampleStub_Post() {
	ctx := context.Background()
	p, err := runtime.Start(ctx, &runtime.Options{Workers: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close(ctx)
	hub, err := proxy.New(p, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer hub.Close()

	// 1. The master serves a counter.
	var total atomic.Int64
	svc := proxy.NewService("hits")
	proxy.Method(svc, "add", func(_ context.Context, n int) (struct{}, error) {
		total.Add(int64(n))
		return struct{}{}, nil
	})
	if err := hub.Serve(ctx, svc); err != nil {
		fmt.Println(err)
		return
	}

	// 2. Kernels post hits: their results can reach the master before
	// the master has counted their posts.
	if _, err := runtime.Map(ctx, p, countHits, []int{100, 200, 300}, nil); err != nil {
		fmt.Println(err)
		return
	}

	// 3. Drain runs what is still pending: every post made before the
	// kernels returned is counted now.
	if err := hub.Drain(ctx); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(total.Load())
	// Output:
	// 600
}

// Example serves an object in the master and calls it from a worker
// process.
func Example() {
	ctx := context.Background()
	// 1. In a real program runtime.Main() comes first in main; the tests'
	// TestMain does it here. Start the pool, then its hub; close the hub
	// first.
	p, err := runtime.Start(ctx, &runtime.Options{Workers: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close(ctx)
	hub, err := proxy.New(p, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer hub.Close()

	// 2. The master serves a greeter.
	svc := proxy.NewService("greeter")
	proxy.Method(svc, "hello", func(_ context.Context, who string) (string, error) {
		return "hello, " + who, nil
	})
	if err := hub.Serve(ctx, svc); err != nil {
		fmt.Println(err)
		return
	}

	// 3. A kernel in a worker process calls it.
	s, err := greet.Run(ctx, p, "worker")
	fmt.Println(s, err)

	// 4. Errors come back as errors.
	greeter, _ := hub.Dial("greeter")
	_, err = proxy.Call[string, string](ctx, greeter, "goodbye", "master")
	fmt.Println(errors.Is(err, proxy.ErrUnknownMethod))
	// Output:
	// hello, worker <nil>
	// true
}

// Example_workerObject serves an object in a worker process and calls it
// from the master through a typed stub.
func Example_workerObject() {
	ctx := context.Background()
	p, err := runtime.Start(ctx, &runtime.Options{Workers: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close(ctx)
	hub, err := proxy.New(p, &proxy.Options{Handlers: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer hub.Close()

	if _, err := serveTally.Run(ctx, p, 0); err != nil {
		fmt.Println(err)
		return
	}
	tally, err := hub.Dial("tally")
	if err != nil {
		fmt.Println(err)
		return
	}
	add := proxy.NewStub[int, int](tally, "add")
	for _, n := range []int{1, 2, 3} {
		sum, err := add.Call(ctx, n)
		fmt.Println(sum, err)
	}
	fmt.Println("lives in worker", tally.Home()-1)
	// Output:
	// 1 <nil>
	// 3 <nil>
	// 6 <nil>
	// lives in worker 0
}
