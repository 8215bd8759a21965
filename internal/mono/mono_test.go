package mono_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"golang.org/x/sys/unix"

	"github.com/shmrun/shmrun/internal/mono"
)

func TestNowIsClockMonotonic(t *testing.T) {
	for range 100 {
		var before, after unix.Timespec
		unix.ClockGettime(unix.CLOCK_MONOTONIC, &before)
		now := mono.Now()
		unix.ClockGettime(unix.CLOCK_MONOTONIC, &after)
		// Within the offset's error (a system call's duration) of the
		// kernel's own readings.
		assert.GreaterOrEqual(t, now, before.Nano()-100_000)
		assert.LessOrEqual(t, now, after.Nano()+100_000)
	}
}

func BenchmarkNow(b *testing.B) {
	for b.Loop() {
		mono.Now()
	}
}

func TestOfIsNowPlusTheInterval(t *testing.T) {
	before := mono.Now()
	got := mono.Of(time.Now().Add(time.Second))
	after := mono.Now()
	assert.GreaterOrEqual(t, got, before+int64(time.Second))
	assert.LessOrEqual(t, got, after+int64(time.Second))
}

func TestTimeIsTheInverseOfOf(t *testing.T) {
	assert.True(t, mono.Time(0).IsZero(), "0 is no deadline")
	dl := time.Now().Add(3 * time.Second)
	back := mono.Time(mono.Of(dl))
	assert.Equal(t, time.Duration(0), back.Sub(dl), "exact: both are the same clock")
}
