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
			assert.Contains(t, err.Error(), "assignment to entry in nil map")

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
		})
	}
}
