package runtime_test

import (
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/runtime"
)

// procState is what localPID makes once per process and pool: the process
// id and a count of the tasks that used it.
type procState struct {
	pid  int
	used atomic.Int64
}

var (
	made      atomic.Int64 // localPID's makes in this process
	released  atomic.Int64 // and releases
	localPID  = runtime.NewLocal(func(*runtime.Scope) (*procState, error) { made.Add(1); return &procState{pid: os.Getpid()}, nil }, func(*procState) { released.Add(1) })
	usesLocal = runtime.Register("test.usesLocal", func(env *runtime.Env, _ int) ([2]int64, error) {
		st, err := localPID.Get(env.Scope())
		if err != nil {
			return [2]int64{}, err
		}
		return [2]int64{int64(st.pid), st.used.Add(1)}, nil
	})
)

// Each process makes its value once and keeps it for the pool's life: in a
// worker process, that process's; in goroutine mode, the master's, shared
// by the goroutine workers and released when the pool closes.
func TestLocalIsPerProcessAndPool(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			made.Store(0)
			released.Store(0)
			p := startPool(t, runtime.Options{Mode: mode, Workers: 2})
			ctx := ctxTimeout(t, 30*time.Second)
			out, err := runtime.Map(ctx, p, usesLocal, make([]int, 200), &runtime.MapOptions{Chunk: 1})
			require.NoError(t, err)
			uses := map[int64]int64{} // pid -> highest use count
			for _, o := range out {
				uses[o[0]] = max(uses[o[0]], o[1])
			}
			var total int64
			for pid, n := range uses {
				total += n
				if mode == runtime.Goroutines {
					assert.Equal(t, int64(os.Getpid()), pid, "goroutine workers share the master's scope")
				} else {
					assert.NotEqual(t, int64(os.Getpid()), pid)
				}
			}
			assert.EqualValues(t, 200, total, "every task saw the value its process made once")
			if mode == runtime.Goroutines {
				assert.EqualValues(t, 1, made.Load())
				require.NoError(t, p.Close(ctx))
				assert.EqualValues(t, 1, released.Load(), "released when the pool closed")
				_, err := localPID.Get(p.Scope())
				assert.ErrorIs(t, err, runtime.ErrClosed)
			} else {
				assert.Len(t, uses, 2, "one value in each worker process")
				assert.Zero(t, made.Load(), "the master made none")
			}
		})
	}
}

func TestLocalMakesOnceAndRetriesErrors(t *testing.T) {
	p := startPool(t, runtime.Options{Mode: runtime.Goroutines, Workers: 1})
	var calls atomic.Int64
	fail := errors.New("not yet")
	l := runtime.NewLocal(func(s *runtime.Scope) (int, error) {
		if calls.Add(1) == 1 {
			return 0, fail
		}
		time.Sleep(10 * time.Millisecond) // concurrent Gets wait for this one
		return s.Worker(), nil
	}, nil)
	_, err := l.Get(p.Scope())
	require.ErrorIs(t, err, fail, "an error is returned")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			v, err := l.Get(p.Scope())
			assert.NoError(t, err)
			assert.Equal(t, -1, v, "the master's scope")
		})
	}
	wg.Wait()
	assert.EqualValues(t, 2, calls.Load(), "made once after the failure, for all eight")
	assert.ErrorIs(t, l.Set(p.Scope(), 5), runtime.ErrLocalSet)
}

func TestLocalReleasesInReverseOrderAtClose(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	p, err := runtime.Start(ctx, &runtime.Options{Mode: runtime.Goroutines, Workers: 1})
	require.NoError(t, err)
	var order []string
	a := runtime.NewLocal(func(*runtime.Scope) (string, error) { return "a", nil }, func(v string) { order = append(order, v) })
	b := runtime.NewLocal(func(*runtime.Scope) (string, error) { return "made", nil }, func(v string) { order = append(order, v) })
	_, err = a.Get(p.Scope())
	require.NoError(t, err)
	require.NoError(t, b.Set(p.Scope(), "b"))
	v, err := b.Get(p.Scope())
	require.NoError(t, err)
	assert.Equal(t, "b", v, "Get returns what Set gave")
	require.NoError(t, p.Close(ctx))
	assert.Equal(t, []string{"b", "a"}, order)
	assert.ErrorIs(t, a.Set(p.Scope(), "late"), runtime.ErrClosed)
}
