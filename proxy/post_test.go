package proxy_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/proxy"
	"github.com/shmrun/shmrun/runtime"
)

// postJob asks postCount for Posts one-way calls of Method on the object
// Name, with argument 1, lazy ones (PostLazy) if Lazy; with Die, its first
// attempt dies after them.
type postJob struct {
	Name, Method string
	Posts        int
	Die, Lazy    bool
}

var (
	// postCount posts as the job says and returns its worker.
	postCount = runtime.Register("proxytest.postCount", func(env *runtime.Env, j postJob) (int, error) {
		h, err := proxy.Open(env)
		if err != nil {
			return 0, err
		}
		obj, err := h.Dial(j.Name)
		if err != nil {
			return 0, err
		}
		stub := proxy.NewStub[int, int](obj, j.Method)
		post := stub.Post
		if j.Lazy {
			post = stub.PostLazy
		}
		for range j.Posts {
			if err := post(env.Context(), 1); err != nil {
				return 0, err
			}
		}
		if j.Die && env.Attempt() == 1 {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			time.Sleep(time.Second)
		}
		return env.Worker(), nil
	})

	// postFailures posts calls that fail in four ways.
	postFailures = runtime.Register("proxytest.postFailures", func(env *runtime.Env, name string) (int, error) {
		h, err := proxy.Open(env)
		if err != nil {
			return 0, err
		}
		obj, err := h.Dial(name)
		if err != nil {
			return 0, err
		}
		ctx := env.Context()
		for _, err := range []error{
			proxy.NewStub[string, int](obj, "fail").Post(ctx, "disk on fire"),
			proxy.NewStub[int, int](obj, "panic").Post(ctx, 0),
			proxy.NewStub[string, int](obj, "add").Post(ctx, "five"),
			proxy.NewStub[int, int](obj, "nosuch").Post(ctx, 1),
		} {
			if err != nil {
				return 0, err
			}
		}
		return 4, nil
	})
)

func TestDrainCountsEveryPost(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			p, h := start(t, runtime.Options{Mode: mode, Workers: 2}, &proxy.Options{Handlers: 2})
			ctx := ctxTimeout(t, 60*time.Second)
			svc, c := newCounterAt("tally")
			require.NoError(t, h.Serve(ctx, svc))
			jobs := make([]postJob, 8)
			for i := range jobs {
				jobs[i] = postJob{Name: "tally", Method: "add", Posts: 50 + i}
			}
			const perRound = 8*50 + 28
			for round := 1; round <= 20; round++ {
				_, err := runtime.Map(ctx, p, postCount, jobs, &runtime.MapOptions{Chunk: 1})
				require.NoError(t, err)
				require.NoError(t, h.Drain(ctx))
				require.EqualValues(t, round*perRound, c.sum.Load(), "round %d: every post made before the kernels returned ran", round)
			}
			st := h.Stats()
			assert.Zero(t, st.PostErrors)
			assert.GreaterOrEqual(t, st.Served, uint64(20*perRound))
			if mode == runtime.Goroutines {
				assert.EqualValues(t, 20*perRound, st.Posts, "the kernels posted through the master's hub")
				assert.EqualValues(t, 20*perRound, st.Here, "and ran every post on their own goroutines")
			}
		})
	}
}

func TestPostErrorsAreCountedAndLogged(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			var log syncBuffer
			logger := slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))
			p, h := start(t, runtime.Options{Mode: mode, Workers: 1}, &proxy.Options{Logger: logger})
			ctx := ctxTimeout(t, 30*time.Second)
			require.NoError(t, h.Serve(ctx, newCounter("flaky")))
			n, err := postFailures.Run(ctx, p, "flaky")
			require.NoError(t, err, "a post that fails in its home is not the caller's error")
			require.NoError(t, h.Drain(ctx))
			assert.EqualValues(t, n, h.Stats().PostErrors)
			text := log.String()
			for _, want := range []string{"disk on fire", "assignment to entry in nil map", "other argument or result types", `no method \"nosuch\"`} {
				assert.Contains(t, text, want)
			}
			assert.Contains(t, text, "level=DEBUG msg=\"proxy: post failed\" object=flaky method=fail")
		})
	}
}

func TestPostToADeadHome(t *testing.T) {
	p, h := start(t, runtime.Options{Workers: 1, Stderr: discard{}}, nil)
	ctx := ctxTimeout(t, 30*time.Second)
	home := serveInWorker(t, p, "doomed")
	obj, err := h.Dial("doomed")
	require.NoError(t, err)
	add := proxy.NewStub[int, int](obj, "add")
	require.NoError(t, add.Post(ctx, 1))
	require.NoError(t, syscall.Kill(p.Stats().Workers[home-1].PID, syscall.SIGKILL))
	require.Eventually(t, func() bool { return h.Stats().Deaths == 1 }, 10*time.Second, time.Millisecond)
	assert.ErrorIs(t, add.Post(ctx, 1), proxy.ErrHomeDied)
	require.Eventually(t, func() bool { return p.Stats().Workers[0].Alive }, 10*time.Second, 5*time.Millisecond)
}

func TestPostWaitsForAFreeSlot(t *testing.T) {
	// One handler in the home, busy for 300 ms with each post: while it
	// runs one it reads no other, so the caller's 64 slots fill up.
	p, h := start(t, runtime.Options{Workers: 1}, &proxy.Options{Handlers: 1})
	ctx := ctxTimeout(t, 30*time.Second)
	serveInWorker(t, p, "slow")
	obj, err := h.Dial("slow")
	require.NoError(t, err)
	stall := proxy.NewStub[time.Duration, int](obj, "stall")
	const d = 300 * time.Millisecond
	for range 65 { // the 65th takes back the slot of the post the home runs
		require.NoError(t, stall.Post(ctx, d))
	}
	short, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	defer cancel()
	assert.ErrorIs(t, stall.Post(short, d), context.DeadlineExceeded, "64 posts wait to be read")
	began := time.Now()
	require.NoError(t, stall.Post(ctx, d), "a slot comes back when the home reads the next post")
	assert.Less(t, time.Since(began), 5*time.Second)
	assert.EqualValues(t, 66, h.Stats().Posts)
}

func TestPostFromADyingWorkerStillRuns(t *testing.T) {
	p, h := start(t, runtime.Options{Workers: 1, Stderr: discard{}}, nil)
	ctx := ctxTimeout(t, 60*time.Second)
	svc, c := newCounterAt("survivor")
	require.NoError(t, h.Serve(ctx, svc))
	_, err := postCount.Run(ctx, p, postJob{Name: "survivor", Method: "add", Posts: 100, Die: true})
	require.NoError(t, err)
	require.NoError(t, h.Drain(ctx))
	assert.EqualValues(t, 200, c.sum.Load(), "the dead attempt's posts and the next one's, each once")
	assert.EqualValues(t, 1, p.Stats().Crashes)
}

func TestDrainWaitsForRunningPosts(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			p, h := start(t, runtime.Options{Mode: mode, Workers: 1}, nil)
			ctx := ctxTimeout(t, 30*time.Second)
			started, release := make(chan struct{}, 1), make(chan struct{})
			var once sync.Once
			open := func() { once.Do(func() { close(release) }) }
			t.Cleanup(open) // before the pool and hub close, which wait for the method
			svc := proxy.NewService("gate")
			proxy.Method(svc, "wait", func(context.Context, int) (int, error) {
				started <- struct{}{}
				<-release
				return 0, nil
			})
			require.NoError(t, h.Serve(ctx, svc))
			posted := make(chan error, 1)
			go func() {
				_, err := postCount.Run(ctx, p, postJob{Name: "gate", Method: "wait", Posts: 1})
				posted <- err
			}()
			<-started
			drained := make(chan error, 1)
			go func() { drained <- h.Drain(ctx) }()
			select {
			case err := <-drained:
				t.Fatalf("Drain returned while a post ran: %v", err)
			case <-time.After(50 * time.Millisecond):
			}
			open()
			require.NoError(t, <-drained)
			require.NoError(t, <-posted)
		})
	}
}

func TestCallsHereRespectHandlers(t *testing.T) {
	for _, handlers := range []int{1, 3} {
		_, h := start(t, runtime.Options{Workers: 1}, &proxy.Options{Handlers: handlers})
		ctx := ctxTimeout(t, 30*time.Second)
		var mu sync.Mutex
		running, most := 0, 0
		svc := proxy.NewService("narrow")
		proxy.Method(svc, "visit", func(context.Context, int) (int, error) {
			mu.Lock()
			running++
			most = max(most, running)
			mu.Unlock()
			time.Sleep(time.Millisecond)
			mu.Lock()
			running--
			mu.Unlock()
			return 0, nil
		})
		require.NoError(t, h.Serve(ctx, svc))
		obj, err := h.Dial("narrow")
		require.NoError(t, err)
		visit := proxy.NewStub[int, int](obj, "visit")
		before := h.Stats().Here
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				for range 20 {
					if g%2 == 0 {
						assert.NoError(t, visit.Post(ctx, 0))
					} else {
						_, err := visit.Call(context.Background(), 0)
						assert.NoError(t, err)
					}
				}
			})
		}
		wg.Wait()
		assert.Equal(t, handlers, most, "Handlers %d: at most that many calls at once, and the callers filled them", handlers)
		assert.EqualValues(t, 8*20, h.Stats().Here-before, "every call ran on its caller's goroutine")
	}
}

// syncBuffer is a bytes.Buffer for a logger that handlers write from
// several goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
