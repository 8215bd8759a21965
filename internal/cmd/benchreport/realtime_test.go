package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRealtimeSection(t *testing.T) {
	dir := t.TempDir()
	runs, err := readRealtime(dir)
	require.NoError(t, err)
	assert.Empty(t, runs)
	assert.Contains(t, realtimeSection(runs), "make realtime")

	js := `{"fps": 59.9, "frames": 600, "deadline_misses": 2, "frame_ms_p50": 9.5, "frame_ms_p99": 15, "traced_share": 0.31,
	  "psnr_mean_db": 24.5, "psnr_min_db": 20.25, "replay_identical": true,
	  "qualities": [{"spp": 1, "pixel_step": 1, "pattern": "quarter", "frames": 500}, {"spp": 1, "pixel_step": 2, "bilinear": true, "frames": 100}]}`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "realtime.json"), []byte(js), 0o644))
	runs, err = readRealtime(dir)
	require.NoError(t, err)
	require.Len(t, runs, 1)
	assert.Contains(t, realtimeSection(runs),
		"| -fill reproject (default) | 59.9 | 2 of 600 | 9.5 / 15.0 | 0.31 | 24.50 / 20.25 | true | step 1 quarter (500), step 2 bilinear (100) |")

	require.NoError(t, os.WriteFile(filepath.Join(dir, "realtime-blocks.json"), []byte("{"), 0o644))
	_, err = readRealtime(dir)
	assert.ErrorContains(t, err, "realtime-blocks.json")
}
