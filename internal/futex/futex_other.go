//go:build !linux

// Package futex: without futexes a sleeper polls, which is correct and
// slower to wake.
package futex

import (
	"sync/atomic"
	"time"
)

// Wait sleeps for at most timeout, or a millisecond.
func Wait(addr *atomic.Uint32, val uint32, timeout time.Duration) {
	if timeout <= 0 || timeout > time.Millisecond {
		timeout = time.Millisecond
	}
	time.Sleep(timeout)
}

// WaitLong sleeps for at most timeout, or a millisecond.
func WaitLong(addr *atomic.Uint32, val uint32, timeout time.Duration) { Wait(addr, val, timeout) }

// Wake does nothing: sleepers poll.
func Wake(*atomic.Uint32, int) {}
