package runtime_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/runtime"
)

func TestSubmitWait(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			p := startPool(t, runtime.Options{Mode: mode})
			ctx := ctxTimeout(t, 20*time.Second)
			f, err := square.Submit(ctx, p, 12)
			require.NoError(t, err)
			v, err := f.Wait(ctx)
			require.NoError(t, err)
			assert.Equal(t, 144, v)
			assert.True(t, f.Done())
			_, err = f.Wait(ctx)
			assert.ErrorIs(t, err, runtime.ErrSpent)

			b, err := echoBytes.Run(ctx, p, []byte("hi"))
			require.NoError(t, err)
			assert.Equal(t, "hi!", string(b))
			j, err := jsonKernel.Run(ctx, p, pair{Name: "n", Count: 1})
			require.NoError(t, err)
			assert.Equal(t, pair{Name: "n", Count: 2}, j)
		})
	}
}

func TestKernelErrorAndPanic(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			p := startPool(t, runtime.Options{Mode: mode, Workers: 1})
			ctx := ctxTimeout(t, 20*time.Second)
			_, err := failOdd.Run(ctx, p, 3)
			var ke *runtime.KernelError
			require.ErrorAs(t, err, &ke)
			assert.Equal(t, "odd input 3", ke.Msg)
			assert.NotErrorIs(t, err, runtime.ErrKernelPanic)

			_, err = panics.Run(ctx, p, 1)
			assert.ErrorIs(t, err, runtime.ErrKernelPanic)
			assert.Equal(t, "kernel test.panics panicked: assignment to entry in nil map", err.Error(),
				"one line: the kernel and the panic's value")
			require.ErrorAs(t, err, &ke)
			assert.True(t, ke.Panic)
			assert.Contains(t, ke.Stack, "runtime_test.init", "the stack stays on the error")
			assert.Contains(t, ke.Stack, "goroutine ")

			v, err := square.Run(ctx, p, 5)
			require.NoError(t, err, "the worker lives on after a panic")
			assert.Equal(t, 25, v)
			assert.Zero(t, p.Stats().Workers[0].Restarts)
		})
	}
}

func TestCancel(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			p := startPool(t, runtime.Options{Mode: mode, Workers: 1})
			ctx := ctxTimeout(t, 20*time.Second)
			f, err := waitCancel.Submit(ctx, p, 0)
			require.NoError(t, err)
			time.Sleep(50 * time.Millisecond) // let it start
			start := time.Now()
			f.Cancel()
			_, err = f.Wait(ctx)
			assert.ErrorIs(t, err, runtime.ErrCancelled)
			assert.Less(t, time.Since(start), time.Second)
			// The worker was freed: the cancelled kernel returned.
			v, err := square.Run(ctx, p, 3)
			require.NoError(t, err)
			assert.Equal(t, 9, v)
		})
	}
}

func TestDeadline(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			p := startPool(t, runtime.Options{Mode: mode, Workers: 1})
			ctx := ctxTimeout(t, 100*time.Millisecond)
			start := time.Now()
			_, err := waitCancel.Run(ctx, p, 0)
			assert.ErrorIs(t, err, context.DeadlineExceeded, "the kernel saw its deadline")
			assert.Less(t, time.Since(start), 5*time.Second)

			// A map's per-task deadline, with no context to end the wait:
			// the kernel's own error comes back, its cause by value.
			_, err = runtime.Map(ctxTimeout(t, 20*time.Second), p, waitCancel, []int{0},
				&runtime.MapOptions{Timeout: 50 * time.Millisecond})
			var ke *runtime.KernelError
			require.ErrorAs(t, err, &ke, "the kernel returned its context's error")
			assert.Equal(t, context.DeadlineExceeded, ke.Cause, "by value, not by its words")
			assert.ErrorIs(t, err, context.DeadlineExceeded)
		})
	}
}

// markRan writes 1 into the first byte of the named region.
var markRan = runtime.Register("test.markRan", func(env *runtime.Env, region string) (int, error) {
	r, err := env.Arena().Region(region)
	if err != nil {
		return 0, err
	}
	r.Bytes()[0] = 1
	return 1, nil
})

// A task cancelled while it waits behind another never runs, in a worker
// process and in a goroutine worker alike.
func TestCancelledQueuedTaskNeverRuns(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			p := startPool(t, runtime.Options{Mode: mode, Workers: 1})
			ctx := ctxTimeout(t, 20*time.Second)
			r, err := p.Arena().Alloc("test.ran."+mode.String(), 64, 1)
			require.NoError(t, err)
			long, err := sleepy.Submit(ctx, p, 200*time.Millisecond)
			require.NoError(t, err)
			queued, err := markRan.Submit(ctx, p, "test.ran."+mode.String())
			require.NoError(t, err)
			queued.Cancel()
			_, err = long.Wait(ctx)
			require.NoError(t, err)
			_, err = square.Run(ctx, p, 2) // behind the cancelled one: it was taken by now
			require.NoError(t, err)
			assert.Zero(t, r.Bytes()[0], "the cancelled task ran")
		})
	}
}
