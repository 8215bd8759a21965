//go:build !linux

package ring

import (
	"sync/atomic"
	"time"
)

// Without futexes a sleeper polls: correct, slower to wake.

func futexWait(addr *atomic.Uint32, val uint32, timeout time.Duration) {
	if timeout <= 0 || timeout > time.Millisecond {
		timeout = time.Millisecond
	}
	time.Sleep(timeout)
}

func futexWake(*atomic.Uint32, int) {}
