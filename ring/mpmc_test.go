package ring_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/arena"
	"github.com/shmrun/shmrun/ring"
)

func newMPMC(t *testing.T, slots, size int, o *ring.Options) (*ring.MPMC, arena.Region) {
	t.Helper()
	a := newArena(t, 4<<20)
	r, err := a.Alloc("q", ring.MPMCSize(slots, size), ring.KindMPMC)
	require.NoError(t, err)
	require.NoError(t, ring.InitMPMC(r, slots, size))
	q, err := ring.OpenMPMC(r, o)
	require.NoError(t, err)
	return q, r
}

func TestMPMCFIFOFullEmpty(t *testing.T) {
	q, _ := newMPMC(t, 4, 16, nil)
	for i := range 4 {
		ok, err := q.TryPush([]byte{byte(i)})
		require.NoError(t, err)
		require.True(t, ok)
	}
	ok, err := q.TryPush([]byte{9})
	require.NoError(t, err)
	assert.False(t, ok, "full")
	assert.Equal(t, 4, q.Len())
	for i := range 4 {
		m, ok, err := q.TryPop(nil)
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, []byte{byte(i)}, m)
	}
	_, ok, err = q.TryPop(nil)
	require.NoError(t, err)
	assert.False(t, ok, "empty")
	_, err = q.TryPush(make([]byte, 17))
	assert.ErrorIs(t, err, ring.ErrTooLarge)
}

func TestMPMCManyGoroutines(t *testing.T) {
	q, _ := newMPMC(t, 64, 8, nil)
	const producers, per = 4, 20000
	ctx := timeout(t, 30*time.Second)
	var wg sync.WaitGroup
	for p := range producers {
		wg.Go(func() {
			for i := range per {
				v := []byte(fmt.Sprintf("%d:%d", p, i))
				require.NoError(t, q.Push(ctx, v))
			}
		})
	}
	seen := make(chan string, producers*per)
	var cg sync.WaitGroup
	for range 3 {
		cg.Go(func() {
			for {
				m, err := q.Pop(ctx, nil)
				if err != nil {
					assert.ErrorIs(t, err, ring.ErrClosed)
					return
				}
				seen <- string(m)
			}
		})
	}
	wg.Wait()
	q.Close()
	cg.Wait()
	close(seen)
	got := map[string]bool{}
	for s := range seen {
		require.False(t, got[s], "duplicate %s", s)
		got[s] = true
	}
	assert.Len(t, got, producers*per)
}

func TestMPMCCloseWakesAndContext(t *testing.T) {
	q, _ := newMPMC(t, 4, 8, &ring.Options{Spin: -1})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	_, err := q.Pop(ctx, nil)
	assert.ErrorIs(t, err, context.DeadlineExceeded)

	done := make(chan error)
	go func() {
		_, err := q.Pop(context.Background(), nil)
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	q.Close()
	select {
	case err := <-done:
		assert.ErrorIs(t, err, ring.ErrClosed)
	case <-time.After(5 * time.Second):
		t.Fatal("close did not wake the popper")
	}
	assert.ErrorIs(t, q.Push(context.Background(), []byte("x")), ring.ErrClosed)
}

func TestMPMCCorruptSlot(t *testing.T) {
	q, r := newMPMC(t, 4, 8, nil)
	_, err := q.TryPush([]byte("abc"))
	require.NoError(t, err)
	r.Bytes()[320+8] = 200 // the first slot's length exceeds the slot
	_, _, err = q.TryPop(nil)
	assert.ErrorIs(t, err, ring.ErrCorrupt)

	q2, r2 := newMPMC(t, 4, 8, nil)
	r2.Bytes()[320+7] = 0x10 // a slot sequence far ahead with enq unchanged
	_, err = q2.TryPush([]byte("x"))
	assert.ErrorIs(t, err, ring.ErrCorrupt)
}
