// Package mono reads CLOCK_MONOTONIC, the clock every process on the
// machine shares (deadlines, heartbeats and timeline spans cross process
// boundaries in it), without a system call per reading.
package mono

import (
	"time"

	"golang.org/x/sys/unix"
)

// start and base tie the Go runtime's monotonic clock to CLOCK_MONOTONIC.
// Both are the same kernel clock, so the offset is read once, with the one
// system call this package makes; after that Now costs what time.Since
// does (a vDSO read).
var start, base = origin()

func origin() (time.Time, int64) {
	t := time.Now()
	var ts unix.Timespec
	if unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts) != nil {
		return t, 0 // unreachable on Linux
	}
	return t, ts.Nano() - int64(time.Since(t))
}

// Now returns CLOCK_MONOTONIC in nanoseconds, to within the microsecond
// of the system call that read the offset. It is safe for concurrent use.
func Now() int64 { return base + int64(time.Since(start)) }

// Of converts t, which should carry a monotonic reading (time.Now and its
// sums do), to CLOCK_MONOTONIC nanoseconds: a deadline another process can
// compare with its own Now. Both readings are the same clock, so the
// conversion is exact.
func Of(t time.Time) int64 { return base + int64(t.Sub(start)) }

// Time converts a CLOCK_MONOTONIC reading, as Now returns, to a
// time.Time with a monotonic reading of its own; 0 (no deadline) gives
// the zero Time.
func Time(m int64) time.Time {
	if m == 0 {
		return time.Time{}
	}
	return start.Add(time.Duration(m - base))
}
