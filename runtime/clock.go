package runtime

import (
	"time"

	"github.com/shmrun/shmrun/internal/mono"
)

// monoNow reads CLOCK_MONOTONIC, which every process on the machine
// shares, without a system call (see package mono).
func monoNow() int64 { return mono.Now() }

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
