package proxy_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/proxy"
	"github.com/shmrun/shmrun/runtime"
)

// dialCounter serves a counter in a worker (in the master for goroutine
// mode) and dials it from the master.
func dialCounter(t *testing.T, mode runtime.Mode, name string, ho *proxy.Options) (*runtime.Pool, *proxy.Hub, *proxy.Object) {
	t.Helper()
	p, h := start(t, runtime.Options{Mode: mode, Workers: 1}, ho)
	serveInWorker(t, p, name)
	obj, err := h.Dial(name)
	require.NoError(t, err)
	return p, h, obj
}

func TestErrorsComeBackAsErrors(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			_, h, obj := dialCounter(t, mode, "errors", nil)
			ctx := ctxTimeout(t, 30*time.Second)

			_, err := h.Dial("nobody")
			assert.ErrorIs(t, err, proxy.ErrUnknownObject)

			_, err = proxy.Call[int, int](ctx, obj, "nosuch", 1)
			assert.ErrorIs(t, err, proxy.ErrUnknownMethod)
			assert.Contains(t, err.Error(), "nosuch")

			_, err = proxy.Call[string, int](ctx, obj, "fail", "disk on fire")
			assert.ErrorIs(t, err, proxy.ErrRemote)
			assert.NotErrorIs(t, err, proxy.ErrPanic)
			var re *proxy.RemoteError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, proxy.RemoteError{Object: "errors", Method: "fail", Msg: "disk on fire"}, *re)

			_, err = proxy.Call[int, int](ctx, obj, "panic", 1)
			assert.ErrorIs(t, err, proxy.ErrPanic)
			assert.ErrorIs(t, err, proxy.ErrRemote)
			assert.Contains(t, err.Error(), "assignment to entry in nil map")
			v, err := proxy.Call[int, int](ctx, obj, "add", 5)
			require.NoError(t, err, "the home lives on after a panic")
			assert.Equal(t, 5, v)

			_, err = proxy.Call[string, int](ctx, obj, "add", "five")
			assert.ErrorIs(t, err, proxy.ErrBadArgument, "other types than the method's")

			_, err = proxy.Call[string, string](ctx, obj, "echo", strings.Repeat("x", 5000))
			assert.ErrorIs(t, err, proxy.ErrTooLarge, "a call larger than a slot")
		})
	}
}

func TestReplyTooLarge(t *testing.T) {
	_, _, obj := dialCounter(t, runtime.Processes, "large", &proxy.Options{MaxMessage: 1024})
	ctx := ctxTimeout(t, 30*time.Second)
	s, err := proxy.Call[string, string](ctx, obj, "echo", strings.Repeat("y", 900))
	require.NoError(t, err, "900 bytes fit in a 1 KiB slot")
	assert.Len(t, s, 900)
	_, err = proxy.Call[string, string](ctx, obj, "echo", strings.Repeat("y", 1000))
	assert.ErrorIs(t, err, proxy.ErrTooLarge)
}

func TestDeadlines(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			_, _, obj := dialCounter(t, mode, "slow", nil)

			// The method sees the caller's deadline and returns its error.
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			_, err := proxy.Call[time.Duration, string](ctx, obj, "sleep", time.Minute)
			assert.ErrorIs(t, err, proxy.ErrDeadline)
			assert.ErrorIs(t, err, context.DeadlineExceeded)

			// A method that ignores it: the caller gives up on time anyway.
			ctx2, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel2()
			began := time.Now()
			_, err = proxy.Call[time.Duration, int](ctx2, obj, "stall", 500*time.Millisecond)
			assert.ErrorIs(t, err, proxy.ErrDeadline)
			assert.Less(t, time.Since(began), 400*time.Millisecond)

			// A deadline already passed never leaves the caller.
			_, err = proxy.Call[int, int](ctx2, obj, "add", 1)
			assert.ErrorIs(t, err, proxy.ErrDeadline)

			// Cancellation is not a deadline.
			ctx3, cancel3 := context.WithCancel(context.Background())
			time.AfterFunc(20*time.Millisecond, cancel3)
			_, err = proxy.Call[time.Duration, int](ctx3, obj, "stall", 300*time.Millisecond)
			assert.ErrorIs(t, err, context.Canceled)
			assert.NotErrorIs(t, err, proxy.ErrDeadline)

			// The abandoned calls' slots come back: 64 slots, 200 calls.
			ctx4 := ctxTimeout(t, 30*time.Second)
			for range 200 {
				_, err := proxy.Call[int, int](ctx4, obj, "add", 1)
				require.NoError(t, err)
			}
		})
	}
}

func TestManyCallersShareSixtyFourSlots(t *testing.T) {
	_, _, obj := dialCounter(t, runtime.Processes, "crowd", &proxy.Options{Handlers: 8})
	ctx := ctxTimeout(t, 60*time.Second)
	stall := proxy.NewStub[time.Duration, int](obj, "stall")
	errs := make(chan error, 200)
	for range 200 {
		go func() {
			_, err := stall.Call(ctx, time.Millisecond)
			errs <- err
		}()
	}
	for range 200 {
		require.NoError(t, <-errs)
	}
}

func TestClosedHub(t *testing.T) {
	p, h := start(t, runtime.Options{Workers: 1}, nil)
	ctx := ctxTimeout(t, 30*time.Second)
	require.NoError(t, h.Serve(ctx, newCounter("closing")))
	obj, err := h.Dial("closing")
	require.NoError(t, err)
	stall := proxy.NewStub[time.Duration, int](obj, "sleep")
	pending := make(chan error, 1)
	go func() {
		_, err := proxy.Call[time.Duration, string](ctx, obj, "sleep", time.Minute)
		pending <- err
	}()
	time.Sleep(50 * time.Millisecond)
	require.NoError(t, h.Close())
	err = <-pending
	assert.True(t, errors.Is(err, proxy.ErrClosed) || errors.Is(err, context.Canceled),
		"a pending call ends with the hub: %v", err)
	_, err = stall.Call(ctx, time.Second)
	assert.ErrorIs(t, err, proxy.ErrClosed)
	_, err = h.Dial("closing")
	assert.ErrorIs(t, err, proxy.ErrClosed)
	assert.ErrorIs(t, h.Serve(ctx, newCounter("late")), proxy.ErrClosed)
	assert.NoError(t, h.Close(), "a second Close")
	_, err = callCounter.Run(ctx, p, callJob{Name: "closing", Calls: 1, Goroutines: 1})
	var ke *runtime.KernelError
	require.ErrorAs(t, err, &ke, "a worker's calls fail too")
	assert.Equal(t, proxy.ErrClosed.Error(), ke.Msg)
}
