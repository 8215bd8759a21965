package runtime

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// A quiet result must never let its worker run dry before the master could
// send more: the master hears of it within quietFor and one more task, and
// then needs quietMargin. A map with two 4 ms tasks per worker (one queued
// behind the running one) once ran dry after every other task: its results
// went out quietly with one task queued.
func TestQuietResultsLeaveTheMasterTimeToRefill(t *testing.T) {
	for run := 10 * time.Microsecond; run <= 50*time.Millisecond; run += run / 7 {
		need := quietNeed(run)
		if need == 0 {
			assert.Less(t, quietScan*run, quietFor+run+quietMargin, "never quiet at %v, though %d tasks would do", run, quietScan)
			continue
		}
		assert.LessOrEqual(t, need, quietScan)
		queued := time.Duration(need) * run
		assert.GreaterOrEqual(t, queued-quietFor-run, quietMargin, "%d tasks of %v queued", need, run)
		assert.Less(t, queued-run-quietFor-quietMargin, run, "%d tasks of %v: one fewer would do", need, run)
	}
	assert.Equal(t, 0, quietNeed(0))
	assert.Equal(t, 0, quietNeed(-time.Millisecond))
	assert.Equal(t, 2, quietNeed(4*time.Millisecond), "4 ms tasks: two queued, not one")
	assert.Equal(t, 0, quietNeed(100*time.Microsecond), "0.1 ms tasks would need 31 queued")
}
