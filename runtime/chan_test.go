package runtime_test

import (
	"context"
	"errors"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/runtime"
)

type pipeArgs struct{ In, Out runtime.ChanRef }

// doubler forwards 2x of everything from In to Out until In is closed and
// drained, and returns how many values it moved.
var doubler = runtime.Register("test.doubler", func(env *runtime.Env, a pipeArgs) (int, error) {
	in, err := runtime.OpenChan[int](env, a.In)
	if err != nil {
		return 0, err
	}
	out, err := runtime.OpenChan[int](env, a.Out)
	if err != nil {
		return 0, err
	}
	n := 0
	for {
		v, err := in.Recv(env.Context())
		if errors.Is(err, runtime.ErrChanClosed) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		if err := out.Send(env.Context(), 2*v); err != nil {
			return n, err
		}
		n++
	}
})

// queueWorker squares queue items into a channel until the queue closes.
var queueWorker = runtime.Register("test.queueWorker", func(env *runtime.Env, a pipeArgs) (int, error) {
	q, err := runtime.OpenQueue[int](env, a.In)
	if err != nil {
		return 0, err
	}
	out, err := runtime.OpenChan[int](env, a.Out)
	if err != nil {
		return 0, err
	}
	n := 0
	for {
		v, err := q.Get(env.Context())
		if errors.Is(err, runtime.ErrChanClosed) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		if err := out.Send(env.Context(), v*v); err != nil {
			return n, err
		}
		n++
		if err := q.Done(); err != nil {
			return n, err
		}
	}
})

func TestChanPipelineAcrossProcesses(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			p := startPool(t, runtime.Options{Mode: mode})
			ctx := ctxTimeout(t, 30*time.Second)
			in, err := runtime.NewChan[int](p, "in", 64, 16)
			require.NoError(t, err)
			out, err := runtime.NewChan[int](p, "out", 64, 16)
			require.NoError(t, err)
			var fs []runtime.Future[int]
			for range 2 {
				f, err := doubler.Submit(ctx, p, pipeArgs{In: in.Ref(), Out: out.Ref()})
				require.NoError(t, err)
				fs = append(fs, f)
			}
			const n = 2000
			go func() {
				for i := range n {
					if err := in.Send(ctx, i); err != nil {
						return
					}
				}
				in.Close()
			}()
			var got []int
			for range n {
				v, err := out.Recv(ctx)
				require.NoError(t, err)
				got = append(got, v)
			}
			moved := 0
			for _, f := range fs {
				c, err := f.Wait(ctx)
				require.NoError(t, err)
				moved += c
			}
			assert.Equal(t, n, moved)
			sort.Ints(got)
			for i, v := range got {
				require.Equal(t, 2*i, v)
			}
		})
	}
}

func TestChanClosePoison(t *testing.T) {
	p := startPool(t, runtime.Options{Workers: 1})
	ctx := ctxTimeout(t, 10*time.Second)
	c, err := runtime.NewChan[string](p, "poison", 4, 32)
	require.NoError(t, err)
	require.NoError(t, c.Send(ctx, "last words"))
	c.Close()
	assert.ErrorIs(t, c.Send(ctx, "too late"), runtime.ErrChanClosed)
	v, err := c.Recv(ctx)
	require.NoError(t, err)
	assert.Equal(t, "last words", v)
	_, err = c.Recv(ctx)
	assert.ErrorIs(t, err, runtime.ErrChanClosed)
	_, ok, err := c.TryRecv()
	assert.False(t, ok)
	assert.ErrorIs(t, err, runtime.ErrChanClosed)
	_, err = runtime.NewChan[string](p, "poison", 4, 32)
	assert.Error(t, err, "names are unique")
	tooBig, err := runtime.NewChan[string](p, "small", 4, 8)
	require.NoError(t, err)
	assert.Error(t, tooBig.Send(ctx, "more than eight bytes"))
}

func TestSelect(t *testing.T) {
	p := startPool(t, runtime.Options{})
	ctx := ctxTimeout(t, 30*time.Second)
	a, err := runtime.NewChan[int](p, "sel.a", 8, 16)
	require.NoError(t, err)
	b, err := runtime.NewChan[int](p, "sel.b", 8, 16)
	require.NoError(t, err)
	src, err := runtime.NewChan[int](p, "sel.src", 8, 16)
	require.NoError(t, err)

	// Nothing ready: the context decides.
	var x, y int
	short, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	i, err := runtime.Select(short, a.RecvCase(&x), b.RecvCase(&y))
	cancel()
	assert.Equal(t, -1, i)
	assert.ErrorIs(t, err, context.DeadlineExceeded)

	// A worker fills b through a doubler: Select wakes from its sleep.
	f, err := doubler.Submit(ctx, p, pipeArgs{In: src.Ref(), Out: b.Ref()})
	require.NoError(t, err)
	go func() { time.Sleep(50 * time.Millisecond); src.Send(ctx, 21) }()
	i, err = runtime.Select(ctx, a.RecvCase(&x), b.RecvCase(&y))
	require.NoError(t, err)
	assert.Equal(t, 1, i)
	assert.Equal(t, 42, y)

	// A send case proceeds when there is room.
	i, err = runtime.Select(ctx, a.SendCase(7), b.RecvCase(&y))
	require.NoError(t, err)
	assert.Equal(t, 0, i)
	v, err := a.Recv(ctx)
	require.NoError(t, err)
	assert.Equal(t, 7, v)

	// A closed channel's case proceeds with ErrChanClosed.
	a.Close()
	i, err = runtime.Select(ctx, a.RecvCase(&x), b.RecvCase(&y))
	assert.Equal(t, 0, i)
	assert.ErrorIs(t, err, runtime.ErrChanClosed)
	src.Close()
	_, err = f.Wait(ctx)
	require.NoError(t, err)
}

func TestQueueJoin(t *testing.T) {
	p := startPool(t, runtime.Options{})
	ctx := ctxTimeout(t, 30*time.Second)
	q, err := runtime.NewQueue[int](p, "work", 32, 16)
	require.NoError(t, err)
	out, err := runtime.NewChan[int](p, "squares", 1024, 16)
	require.NoError(t, err)
	var fs []runtime.Future[int]
	for range 2 {
		f, err := queueWorker.Submit(ctx, p, pipeArgs{In: q.Ref(), Out: out.Ref()})
		require.NoError(t, err)
		fs = append(fs, f)
	}
	for i := range 500 {
		require.NoError(t, q.Put(ctx, i))
	}
	require.NoError(t, q.Join(ctx), "every item done")
	assert.Equal(t, 500, out.Len())
	q.Close()
	total := 0
	for _, f := range fs {
		n, err := f.Wait(ctx)
		require.NoError(t, err)
		total += n
	}
	assert.Equal(t, 500, total)
	assert.ErrorIs(t, q.Done(), runtime.ErrTooManyDone)
}

func TestChanAndQueueNameLimits(t *testing.T) {
	p := startPool(t, runtime.Options{Mode: runtime.Goroutines, Workers: 1})
	name := func(n int) string { return strings.Repeat("n", n) }
	_, err := runtime.NewChan[int](p, name(runtime.MaxChanName), 2, 8)
	assert.NoError(t, err, "a name of MaxChanName bytes")
	_, err = runtime.NewChan[int](p, name(runtime.MaxChanName+1), 2, 8)
	assert.Error(t, err)
	_, err = runtime.NewQueue[int](p, name(runtime.MaxQueueName), 2, 8)
	assert.NoError(t, err, "a name of MaxQueueName bytes")
	_, err = runtime.NewQueue[int](p, name(runtime.MaxQueueName+1), 2, 8)
	assert.Error(t, err)
}
