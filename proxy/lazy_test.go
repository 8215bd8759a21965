package proxy_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/proxy"
	"github.com/shmrun/shmrun/runtime"
)

func TestLazyPostsRunAtDrain(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			p, h := start(t, runtime.Options{Mode: mode, Workers: 2}, nil)
			ctx := ctxTimeout(t, 60*time.Second)
			svc, c := newCounterAt("quiet")
			require.NoError(t, h.Serve(ctx, svc))
			jobs := make([]postJob, 8)
			for i := range jobs {
				jobs[i] = postJob{Name: "quiet", Method: "add", Posts: 20 + i, Lazy: true}
			}
			const perRound = 8*20 + 28
			for round := 1; round <= 10; round++ {
				_, err := runtime.Map(ctx, p, postCount, jobs, &runtime.MapOptions{Chunk: 1})
				require.NoError(t, err)
				require.NoError(t, h.Drain(ctx))
				require.EqualValues(t, round*perRound, c.sum.Load(), "round %d: every lazy post made before the kernels returned ran", round)
			}
			assert.Zero(t, h.Stats().PostErrors)
		})
	}
}

func TestLazyPostsRunWithoutADrain(t *testing.T) {
	p, h := start(t, runtime.Options{Workers: 1}, nil)
	ctx := ctxTimeout(t, 30*time.Second)
	svc, c := newCounterAt("patient")
	require.NoError(t, h.Serve(ctx, svc))
	_, err := postCount.Run(ctx, p, postJob{Name: "patient", Method: "add", Posts: 10, Lazy: true})
	require.NoError(t, err)
	// Nobody drains and nothing rings: the home's handlers find the posts
	// when they next look, at the latest after a bounded sleep.
	require.Eventually(t, func() bool { return c.sum.Load() == 10 }, 10*time.Second, 5*time.Millisecond)
}

func TestLazyPosterOutOfSlotsRingsItsHome(t *testing.T) {
	// 4000 lazy posts through 64 call slots: each time the caller runs out,
	// it rings the home, which reads the posts and frees the slots. Were it
	// to wait for the home's own next look (up to 250 ms) instead, 4000
	// posts would take about 8 s (2000 took 4 s when the ring was left
	// out), against well under a second with it.
	p, h := start(t, runtime.Options{Workers: 1}, nil)
	ctx := ctxTimeout(t, 60*time.Second)
	svc, c := newCounterAt("flood")
	require.NoError(t, h.Serve(ctx, svc))
	began := time.Now()
	_, err := postCount.Run(ctx, p, postJob{Name: "flood", Method: "add", Posts: 4000, Lazy: true})
	require.NoError(t, err)
	took := time.Since(began)
	require.NoError(t, h.Drain(ctx))
	assert.EqualValues(t, 4000, c.sum.Load())
	assert.Less(t, took, 3*time.Second, "the poster waited for slots the home did not know to free")
	t.Logf("4000 lazy posts in %v", took)
}

// ExampleStub_PostLazy reports to an object in the master without waking
// it, and drains the reports where they must all have arrived.
func ExampleStub_PostLazy() {
	ctx := context.Background()
	pool, err := runtime.Start(ctx, &runtime.Options{Workers: 1, Mode: runtime.Goroutines})
	if err != nil {
		panic(err)
	}
	defer pool.Close(ctx)
	hub, err := proxy.New(pool, nil)
	if err != nil {
		panic(err)
	}
	defer hub.Close()
	var total atomic.Int64
	svc := proxy.NewService("tally")
	proxy.Method(svc, "add", func(_ context.Context, n int64) (struct{}, error) {
		total.Add(n)
		return struct{}{}, nil
	})
	if err := hub.Serve(ctx, svc); err != nil {
		panic(err)
	}
	obj, err := hub.Dial("tally")
	if err != nil {
		panic(err)
	}
	add := proxy.NewStub[int64, struct{}](obj, "add")
	for i := range int64(5) {
		if err := add.PostLazy(ctx, i); err != nil {
			panic(err)
		}
	}
	if err := hub.Drain(ctx); err != nil {
		panic(err)
	}
	fmt.Println(total.Load())
	// Output: 10
}
