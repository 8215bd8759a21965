package main

import (
	"math"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTileStatsComeThroughTheProxy renders with worker processes and
// checks the -stats file's per-worker lines, which only the tile reports
// sent through the proxy feed, against what the kernels' own results say.
func TestTileStatsComeThroughTheProxy(t *testing.T) {
	for _, mode := range []string{"processes", "goroutines"} {
		t.Run(mode, func(t *testing.T) {
			// 96x64 in 16-pixel tiles: 24 tiles a frame.
			m := statsOf(t, "-size", "96x64", "-tile", "16", "-frames", "4", "-spp", "2", "-workers", "2",
				"-mode", mode, "-o", "none")
			assert.Equal(t, 4.0*24, m["tiles_reported"], "every tile of every frame, once")
			assert.Zero(t, m["tile_reports_late"])
			p50, p99 := m["tile_ms_p50"].(float64), m["tile_ms_p99"].(float64)
			assert.Positive(t, p50)
			assert.LessOrEqual(t, p50, p99)

			ws, ok := m["per_worker"].([]any)
			require.True(t, ok, "%v", m["per_worker"])
			var tiles, rays float64
			pids := map[float64]bool{}
			for _, w := range ws {
				w := w.(map[string]any)
				tiles += w["tiles"].(float64)
				rays += w["rays"].(float64)
				assert.Positive(t, w["busy_ms"])
				assert.LessOrEqual(t, w["tile_ms_p50"], w["tile_ms_p99"])
				for _, pid := range w["pids"].([]any) {
					pids[pid.(float64)] = true
				}
			}
			assert.Equal(t, 4.0*24, tiles)
			assert.Equal(t, m["rays"], rays, "the reports add up to the rays the kernels returned")
			if mode == "processes" {
				assert.NotContains(t, pids, float64(os.Getpid()), "the tiles were rendered in worker processes")
			} else {
				assert.Equal(t, map[float64]bool{float64(os.Getpid()): true}, pids)
			}
		})
	}
}

func TestTileLogCountsARerunTileOnce(t *testing.T) {
	l := &tileLog{}
	l.reset()
	l.begin(3)
	require.NoError(t, l.report(tileReport{Frame: 3, Worker: 0, PID: 10, X0: 0, Rays: 100, Nanos: 2e6}))
	// The worker died after reporting; the tile ran again elsewhere.
	require.NoError(t, l.report(tileReport{Frame: 3, Worker: 1, PID: 11, X0: 0, Rays: 100, Nanos: 3e6}))
	require.NoError(t, l.report(tileReport{Frame: 3, Worker: 0, PID: 12, X0: 16, Rays: 50, Nanos: 1e6}))
	require.NoError(t, l.report(tileReport{Frame: 9, Worker: 0, PID: 12, Rays: 7, Nanos: 1e6}), "a frame not begun")
	assert.Error(t, l.report(tileReport{Frame: 3, Worker: -1}))
	l.begin(4)
	require.NoError(t, l.report(tileReport{Frame: 4, Worker: 0, Rays: 1000, Nanos: 1e6}))
	l.end(4, false) // a failed frame's reports do not count
	l.end(3, true)

	m := map[string]any{}
	l.addKeys(m)
	assert.Equal(t, uint64(2), m["tiles_reported"])
	assert.Equal(t, uint64(1), m["tile_reports_late"])
	ws := m["per_worker"].([]workerJSON)
	require.Len(t, ws, 2)
	assert.Equal(t, workerJSON{Worker: 0, PIDs: []int32{12}, Tiles: 1, Rays: 50, BusyMS: 1, RaysPerSec: 50e3,
		TileMSP50: ws[0].TileMSP50, TileMSP99: ws[0].TileMSP99}, ws[0])
	assert.Equal(t, 1, ws[1].Worker)
	assert.Equal(t, uint64(100), ws[1].Rays)
	assert.InDelta(t, 3.0, ws[1].TileMSP50, 3.0*0.023)

	l.reset()
	m = map[string]any{}
	l.addKeys(m)
	assert.Equal(t, uint64(0), m["tiles_reported"])
}

// TestTileLogListsAReplacedWorkersPIDsOnce feeds the log what a worker
// slot sends when its process is replaced in the middle of a frame: the
// frame's tiles come from both processes, in no particular order. The
// slot's line lists each process once, its figures cover both.
func TestTileLogListsAReplacedWorkersPIDsOnce(t *testing.T) {
	l := &tileLog{}
	l.reset()
	l.begin(0)
	require.NoError(t, l.report(tileReport{Frame: 0, Worker: 0, PID: 10, X0: 0, Rays: 1, Nanos: 1e6}))
	l.end(0, true)
	l.begin(1)
	for i := range 34 {
		pid := int32(10 + i%2) // 10 crashed half-way through the frame; 11 replaced it
		require.NoError(t, l.report(tileReport{Frame: 1, Worker: 0, PID: pid, X0: int32(16 * i), Rays: 1, Nanos: 1e6}))
		require.NoError(t, l.report(tileReport{Frame: 1, Worker: 1, PID: 20, X0: int32(16 * i), Y0: 16, Rays: 1, Nanos: 1e6}))
	}
	l.end(1, true)
	l.begin(2)
	require.NoError(t, l.report(tileReport{Frame: 2, Worker: 0, PID: 11, Rays: 1, Nanos: 1e6}))
	l.end(2, true)

	m := map[string]any{}
	l.addKeys(m)
	ws := m["per_worker"].([]workerJSON)
	require.Len(t, ws, 2, "a line per worker slot")
	assert.Equal(t, []int32{10, 11}, ws[0].PIDs, "each process once, the first one first")
	assert.Equal(t, uint64(1+34+1), ws[0].Tiles, "the slot's figures follow it across processes")
	assert.Equal(t, []int32{20}, ws[1].PIDs)
	assert.Equal(t, uint64(34), ws[1].Tiles)
}

func TestDurationHistPercentiles(t *testing.T) {
	var h durationHist
	assert.Zero(t, h.percentile(50))
	for i := int64(1); i <= 1000; i++ {
		h.add(i * 1000) // 1 µs to 1 ms
	}
	h.add(0)
	h.add(math.MaxInt64)
	assert.InEpsilon(t, 0.5, h.percentile(50), 0.023, "the median of 1 µs..1 ms, in ms")
	assert.InEpsilon(t, 0.99, h.percentile(99), 0.023)
	assert.InEpsilon(t, 0.001, h.percentile(0.1), 0.023)
}
