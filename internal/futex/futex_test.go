package futex_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/shmrun/shmrun/internal/futex"
)

func TestWaitWake(t *testing.T) {
	var w atomic.Uint32
	w.Store(1)
	woke := make(chan time.Duration)
	go func() {
		start := time.Now()
		for w.Load() == 1 {
			futex.Wait(&w, 1, 0)
		}
		woke <- time.Since(start)
	}()
	time.Sleep(20 * time.Millisecond)
	w.Store(0)
	futex.Wake(&w, 1)
	select {
	case d := <-woke:
		assert.GreaterOrEqual(t, d, 15*time.Millisecond, "it slept")
	case <-time.After(5 * time.Second):
		t.Fatal("not woken")
	}
}

func TestWaitTimeoutAndValueMismatch(t *testing.T) {
	var w atomic.Uint32
	start := time.Now()
	futex.Wait(&w, 0, 10*time.Millisecond)
	assert.GreaterOrEqual(t, time.Since(start), 9*time.Millisecond)
	start = time.Now()
	futex.Wait(&w, 7, time.Second) // *addr != val: returns at once
	assert.Less(t, time.Since(start), 500*time.Millisecond)
}

func TestWaitVWakesOnAnyWord(t *testing.T) {
	var a, b atomic.Uint32
	done := make(chan error)
	go func() {
		done <- futex.WaitV([]*atomic.Uint32{&a, &b}, []uint32{0, 0}, 5*time.Second)
	}()
	time.Sleep(20 * time.Millisecond)
	b.Store(1)
	futex.Wake(&b, 1)
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(3 * time.Second):
		t.Fatal("WaitV not woken by the second word")
	}
	start := time.Now()
	assert.NoError(t, futex.WaitV([]*atomic.Uint32{&a}, []uint32{0}, 10*time.Millisecond))
	assert.GreaterOrEqual(t, time.Since(start), 9*time.Millisecond, "timeout honoured")
}
