package placement_test

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/internal/placement"
)

func TestMain(m *testing.M) {
	placement.Serve()
	os.Exit(m.Run())
}

func TestBounceTakesARoundTrip(t *testing.T) {
	for range 3 {
		d, err := placement.Bounce()
		require.NoError(t, err)
		assert.Positive(t, d)
		assert.Less(t, d, 100*time.Millisecond, "a round trip of one line, even on a loaded machine")
	}
}

func TestOfNamesThePlacement(t *testing.T) {
	assert.Equal(t, "near", placement.Of(130*time.Nanosecond, 140*time.Nanosecond))
	assert.Equal(t, "far", placement.Of(480*time.Nanosecond, 520*time.Nanosecond))
	assert.Equal(t, "mixed", placement.Of(130*time.Nanosecond, 520*time.Nanosecond))
	assert.Equal(t, "mixed", placement.Of(placement.Near, 0))
}

// recorder is a testing.B stand-in that keeps the metrics.
type recorder struct {
	metrics map[string]float64
	stopped bool
}

func (r *recorder) StopTimer()                       { r.stopped = true }
func (r *recorder) StartTimer()                      { r.stopped = false }
func (r *recorder) ReportMetric(v float64, u string) { r.metrics[u] = v }
func (r *recorder) Logf(string, ...any)              {}

func TestRecordReportsBothProbes(t *testing.T) {
	r := &recorder{metrics: map[string]float64{}}
	done := placement.Record(r)
	assert.False(t, r.stopped, "the burst runs with the timer on")
	done()
	assert.True(t, r.stopped, "the second probe is not timed")
	assert.Positive(t, r.metrics[placement.UnitBefore])
	assert.Positive(t, r.metrics[placement.UnitAfter])
}
