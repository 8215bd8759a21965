package proxy_test

import (
	"context"
	"net"
	"net/rpc"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/internal/placement"
	"github.com/shmrun/shmrun/proxy"
	"github.com/shmrun/shmrun/runtime"
)

// AddArgs is the argument of the benchmarks' Add, in both protocols.
type AddArgs struct{ A, B int }

// Arith is the net/rpc baseline's receiver.
type Arith struct{}

// Add adds, for net/rpc.
func (Arith) Add(a AddArgs, sum *int) error {
	*sum = a.A + a.B
	return nil
}

// serveArith serves the same Add in the worker that runs it, twice: as a
// proxied object and with net/rpc on a unix socket at the given path. Both
// keep serving after the kernel returns.
var serveArith = runtime.Register("proxytest.serveArith", func(env *runtime.Env, sock string) (int, error) {
	h, err := proxy.Open(env)
	if err != nil {
		return 0, err
	}
	svc := proxy.NewService("bench.arith")
	proxy.Method(svc, "add", func(_ context.Context, a AddArgs) (int, error) { return a.A + a.B, nil })
	if err := h.Serve(env.Context(), svc); err != nil {
		return 0, err
	}
	srv := rpc.NewServer()
	if err := srv.Register(Arith{}); err != nil {
		return 0, err
	}
	l, err := net.Listen("unix", sock)
	if err != nil {
		return 0, err
	}
	go srv.Accept(l)
	return os.Getpid(), nil
})

// arith starts a one-worker pool serving Add both ways, and the same Add
// as a proxied object in the master, and returns a stub calling from the
// master into that worker, a net/rpc client doing the same, and a stub
// calling the master's own Add.
func arith(tb testing.TB) (add *proxy.Stub[AddArgs, int], client *rpc.Client, here *proxy.Stub[AddArgs, int]) {
	tb.Helper()
	p, h := start(tb, runtime.Options{Workers: 1}, nil)
	sock := filepath.Join(tb.TempDir(), "arith.sock")
	ctx := ctxTimeout(tb, 30*time.Second)
	_, err := serveArith.Run(ctx, p, sock)
	require.NoError(tb, err)
	obj, err := h.Dial("bench.arith")
	require.NoError(tb, err)
	client, err = rpc.Dial("unix", sock)
	require.NoError(tb, err)
	tb.Cleanup(func() { client.Close() })
	svc := proxy.NewService("bench.arith.here")
	proxy.Method(svc, "add", func(_ context.Context, a AddArgs) (int, error) { return a.A + a.B, nil })
	require.NoError(tb, h.Serve(ctx, svc))
	mine, err := h.Dial("bench.arith.here")
	require.NoError(tb, err)
	return proxy.NewStub[AddArgs, int](obj, "add"), client, proxy.NewStub[AddArgs, int](mine, "add")
}

// BenchmarkCall compares a call's round trip between the master and a
// worker process through a proxy with net/rpc over a unix socket between
// the same two processes, for the same method. proxy-post posts the same
// call one way, as fast as the worker reads the posts (the caller waits
// for a slot when its 64 are taken); proxy-here calls the master's own
// Add, which runs on the caller's goroutine.
func BenchmarkCall(b *testing.B) {
	add, client, here := arith(b)
	ctx := context.Background()
	b.Run("proxy", func(b *testing.B) {
		defer placement.Record(b)()
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			sum, err := add.Call(ctx, AddArgs{i, 1})
			if err != nil || sum != i+1 {
				b.Fatal(sum, err)
			}
		}
	})
	b.Run("proxy-post", func(b *testing.B) {
		defer placement.Record(b)()
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if err := add.Post(ctx, AddArgs{i, 1}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("proxy-here", func(b *testing.B) {
		defer placement.Record(b)()
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			sum, err := here.Call(ctx, AddArgs{i, 1})
			if err != nil || sum != i+1 {
				b.Fatal(sum, err)
			}
		}
	})
	b.Run("net-rpc-unix", func(b *testing.B) {
		defer placement.Record(b)()
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			var sum int
			if err := client.Call("Arith.Add", AddArgs{i, 1}, &sum); err != nil || sum != i+1 {
				b.Fatal(sum, err)
			}
		}
	})
}

func TestCallAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	add, client, here := arith(t)
	ctx := context.Background()
	var sum int
	assert.Zero(t, testing.AllocsPerRun(500, func() { sum, _ = add.Call(ctx, AddArgs{2, 3}) }))
	assert.Equal(t, 5, sum)
	var err error
	assert.Zero(t, testing.AllocsPerRun(500, func() { err = add.Post(ctx, AddArgs{2, 3}) }), "a post")
	require.NoError(t, err)
	sum = 0
	assert.Zero(t, testing.AllocsPerRun(500, func() { sum, _ = here.Call(ctx, AddArgs{2, 3}) }), "a call that runs here")
	assert.Equal(t, 5, sum)
	assert.Zero(t, testing.AllocsPerRun(500, func() { err = here.Post(ctx, AddArgs{2, 3}) }), "a post that runs here")
	require.NoError(t, err)
	var rsum int
	require.NoError(t, client.Call("Arith.Add", AddArgs{2, 3}, &rsum), "the baseline works too")
	assert.Equal(t, 5, rsum)
}
