package runtime

import (
	"time"

	"golang.org/x/sys/unix"
)

// monoStart and monoBase tie the Go runtime's monotonic clock to
// CLOCK_MONOTONIC, which every process on the machine shares: deadlines,
// heartbeats and timeline spans cross process boundaries in it. Both
// clocks are the same kernel clock, so the offset is read once; after that
// monoNow costs what time.Since does (a vDSO read, no system call), which
// matters when a task takes three readings in the worker.
var monoStart, monoBase = monoOrigin()

func monoOrigin() (time.Time, int64) {
	start := time.Now()
	var ts unix.Timespec
	if unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts) != nil {
		return start, 0 // unreachable on Linux
	}
	return start, ts.Nano() - int64(time.Since(start))
}

// monoNow reads CLOCK_MONOTONIC, to within the microsecond of the one
// system call that monoOrigin made.
func monoNow() int64 {
	return monoBase + int64(time.Since(monoStart))
}

// monoToTime converts a CLOCK_MONOTONIC reading to a time.Time.
func monoToTime(mono int64) time.Time {
	return time.Now().Add(time.Duration(mono - monoNow()))
}

// timeToMono converts a time.Time to CLOCK_MONOTONIC nanoseconds.
func timeToMono(t time.Time) int64 {
	return monoNow() + int64(time.Until(t))
}

// monoDeadline converts an optional CLOCK_MONOTONIC deadline (0 = none).
func monoDeadline(mono int64) (t time.Time) {
	if mono != 0 {
		t = monoToTime(mono)
	}
	return t
}
