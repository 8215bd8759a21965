package runtime_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/runtime"
)

// Kernels whose chunks change layout half-way: a raw result that becomes
// a panic, a raw result with bools, a result of varying size.
var (
	panicOdd = runtime.Register("test.panicOdd", func(_ *runtime.Env, x int) (int, error) {
		if x%2 == 1 {
			panic(fmt.Sprintf("odd input %d", x))
		}
		return -x, nil
	})
	isEven = runtime.Register("test.isEven", func(_ *runtime.Env, x int) (evenness, error) {
		return evenness{N: int32(x), Even: x%2 == 0}, nil
	})
	digits = runtime.Register("test.digits", func(_ *runtime.Env, x int) (string, error) {
		return fmt.Sprint(x), nil
	})
)

type evenness struct {
	N    int32
	Even bool
}

// TestMapPanicInAChunk: an item that panics is that item's failure; the
// items after it in its chunk still run.
func TestMapPanicInAChunk(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			p := startPool(t, runtime.Options{Mode: mode})
			ctx := ctxTimeout(t, 30*time.Second)
			out, err := runtime.Map(ctx, p, panicOdd, ints(50), &runtime.MapOptions{Chunk: 7, ContinueOnError: true})
			require.Error(t, err)
			failed := 0
			for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
				var ie *runtime.ItemError
				require.ErrorAs(t, e, &ie)
				assert.Equal(t, 1, ie.Index%2, "item %d", ie.Index)
				assert.ErrorIs(t, e, runtime.ErrKernelPanic)
				assert.Contains(t, e.Error(), fmt.Sprintf("odd input %d", ie.Index))
				failed++
			}
			assert.Equal(t, 25, failed)
			for i := 0; i < 50; i += 2 {
				assert.Equal(t, -i, out[i])
			}
		})
	}
}

// TestMapResultLayouts maps kernels whose results are raw with bools and
// of varying size, in chunks of every size up to the whole input.
func TestMapResultLayouts(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			p := startPool(t, runtime.Options{Mode: mode})
			ctx := ctxTimeout(t, 30*time.Second)
			for _, chunk := range []int{0, 1, 3, 300} {
				even, err := runtime.Map(ctx, p, isEven, ints(300), &runtime.MapOptions{Chunk: chunk})
				require.NoError(t, err)
				text, err := runtime.Map(ctx, p, digits, ints(300), &runtime.MapOptions{Chunk: chunk})
				require.NoError(t, err)
				for i := range 300 {
					require.Equal(t, evenness{N: int32(i), Even: i%2 == 0}, even[i], "chunk %d item %d", chunk, i)
					require.Equal(t, fmt.Sprint(i), text[i], "chunk %d item %d", chunk, i)
				}
			}
			f, err := isEven.Submit(ctx, p, 3)
			require.NoError(t, err)
			v, err := f.Wait(ctx)
			require.NoError(t, err)
			assert.Equal(t, evenness{N: 3}, v)
			_, err = runtime.Map(ctx, p, panicOdd, []int{0, 2, 3}, &runtime.MapOptions{Chunk: 3})
			assert.True(t, errors.Is(err, runtime.ErrKernelPanic), "%v", err)
		})
	}
}

// TestMapOfLargeItemsKeepsItsBudget: chunks that the args' size limit
// cuts short still count against InFlight. They once did not: the map
// kept submitting, the finished tasks filled its results channel, and the
// reader that delivered one more blocked holding the pool's lock that the
// map's next submission needed.
func TestMapOfLargeItemsKeepsItsBudget(t *testing.T) {
	p := startPool(t, runtime.Options{Workers: 2, RingSize: 64 << 10})
	ctx := ctxTimeout(t, 60*time.Second)
	items := make([][]byte, 3000)
	for i := range items {
		items[i] = make([]byte, 1000)
		items[i][0] = byte(i)
	}
	out, err := runtime.Map(ctx, p, echoBytes, items, &runtime.MapOptions{Chunk: 1000, InFlight: 2})
	require.NoError(t, err)
	for i, b := range out {
		require.Len(t, b, 1001)
		require.Equal(t, byte(i), b[0])
	}
}
