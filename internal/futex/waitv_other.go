//go:build !linux

package futex

import (
	"errors"
	"sync/atomic"
	"time"
)

// MaxWaitV is the most words one WaitV call can watch.
const MaxWaitV = 128

// WaitV is unsupported without Linux futexes: callers poll.
func WaitV([]*atomic.Uint32, []uint32, time.Duration) error { return errors.ErrUnsupported }
