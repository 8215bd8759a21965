package runtime_test

import (
	"context"
	"iter"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/runtime"
)

func ints(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

func TestMapSlice(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			p := startPool(t, runtime.Options{Mode: mode})
			ctx := ctxTimeout(t, 30*time.Second)
			for _, chunk := range []int{0, 1, 7, 5000} {
				var last atomic.Int64
				out, err := runtime.Map(ctx, p, square, ints(5000), &runtime.MapOptions{
					Chunk:    chunk,
					Progress: func(done, total int) { assert.Equal(t, 5000, total); last.Store(int64(done)) },
				})
				require.NoError(t, err)
				for i, v := range out {
					require.Equal(t, i*i, v, "chunk %d item %d", chunk, i)
				}
				assert.EqualValues(t, 5000, last.Load(), "progress reaches the total")
			}
		})
	}
}

// counting yields 0..n-1 and counts how many items were pulled.
func counting(n int, pulled *atomic.Int64) iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := range n {
			pulled.Add(1)
			if !yield(i) {
				return
			}
		}
	}
}

func TestMapSeqOrderedAndBackpressure(t *testing.T) {
	p := startPool(t, runtime.Options{})
	ctx := ctxTimeout(t, 30*time.Second)
	var pulled atomic.Int64
	o := &runtime.MapOptions{Chunk: 4, InFlight: 3}
	next := 0
	for it, err := range runtime.MapSeq(ctx, p, square, counting(2000, &pulled), o) {
		require.NoError(t, err)
		require.Equal(t, next, it.Index, "ordered")
		require.Equal(t, it.Index*it.Index, it.Value)
		next++
		// Never more read ahead than the tasks in flight can hold, plus
		// one item held back and results waiting for their turn.
		assert.LessOrEqual(t, pulled.Load(), int64(next+o.InFlight*o.Chunk+1))
	}
	assert.Equal(t, 2000, next)
}

func TestMapSeqUnordered(t *testing.T) {
	p := startPool(t, runtime.Options{})
	ctx := ctxTimeout(t, 30*time.Second)
	seen := make([]int, 3000)
	var pulled atomic.Int64
	for it, err := range runtime.MapSeq(ctx, p, square, counting(3000, &pulled), &runtime.MapOptions{Unordered: true}) {
		require.NoError(t, err)
		require.Equal(t, it.Index*it.Index, it.Value)
		seen[it.Index]++
	}
	for i, c := range seen {
		require.Equal(t, 1, c, "item %d exactly once", i)
	}
}

func TestMapErrors(t *testing.T) {
	p := startPool(t, runtime.Options{})
	ctx := ctxTimeout(t, 30*time.Second)
	out, err := runtime.Map(ctx, p, failOdd, ints(100), &runtime.MapOptions{ContinueOnError: true, Chunk: 3})
	require.Error(t, err)
	var failed []int
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var ie *runtime.ItemError
		require.ErrorAs(t, e, &ie)
		failed = append(failed, ie.Index)
		var ke *runtime.KernelError
		require.ErrorAs(t, e, &ke)
	}
	assert.Len(t, failed, 50)
	for i := 0; i < 100; i += 2 {
		assert.Equal(t, i, out[i])
	}

	_, err = runtime.Map(ctx, p, failOdd, ints(100), nil)
	var ie *runtime.ItemError
	require.ErrorAs(t, err, &ie, "stops at the first failure")

	n := 0
	for it, err := range runtime.MapSeq(ctx, p, failOdd, counting(100, new(atomic.Int64)), &runtime.MapOptions{Chunk: 1}) {
		if err != nil {
			require.ErrorAs(t, err, &ie)
			assert.Equal(t, 1, ie.Index, "ordered: the first failure in input order")
			break
		}
		assert.Equal(t, 0, it.Index)
		n++
	}
	assert.Equal(t, 1, n)
}

func TestMapContextCancel(t *testing.T) {
	p := startPool(t, runtime.Options{})
	ctx := ctxTimeout(t, 200*time.Millisecond)
	ds := make([]time.Duration, 100)
	for i := range ds {
		ds[i] = 50 * time.Millisecond
	}
	start := time.Now()
	_, err := runtime.Map(ctx, p, sleepy, ds, &runtime.MapOptions{Chunk: 1})
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 2*time.Second)
	// The pool is healthy afterwards.
	v, err := square.Run(ctxTimeout(t, 20*time.Second), p, 4)
	require.NoError(t, err)
	assert.Equal(t, 16, v)
}

func TestMapTooLarge(t *testing.T) {
	p := startPool(t, runtime.Options{RingSize: 4096})
	ctx := ctxTimeout(t, 20*time.Second)
	_, err := echoBytes.Run(ctx, p, make([]byte, 8192))
	assert.ErrorIs(t, err, runtime.ErrTooLarge)
}
