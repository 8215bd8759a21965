package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/cmd/trace/internal/render"
)

func TestPercentileIsNearestRank(t *testing.T) {
	assert.Zero(t, percentile(nil, 50))
	xs := []float64{5, 1, 4, 2, 3}
	assert.Equal(t, 3.0, percentile(xs, 50))
	assert.Equal(t, 5.0, percentile(xs, 99))
	assert.Equal(t, 1.0, percentile(xs, 1))
	assert.Equal(t, []float64{5, 1, 4, 2, 3}, xs, "the input is not reordered")
	var hundred []float64
	for i := 100; i >= 1; i-- {
		hundred = append(hundred, float64(i))
	}
	assert.Equal(t, 99.0, percentile(hundred, 99))
	assert.Equal(t, 50.0, percentile(hundred, 50))
}

func TestRunStatsKeys(t *testing.T) {
	t0 := time.Unix(1000, 0)
	st := newRunStats(t0)
	good := render.Quality{SPP: 1, PixelStep: 2}
	coarse := render.Quality{SPP: 1, PixelStep: 3}
	for n := range 5 {
		q := good
		if n == 4 {
			q = coarse
		}
		release := t0.Add(time.Duration(n) * 20 * time.Millisecond)
		f := &frame{n: n, q: q, start: release, done: release.Add(time.Duration(n+1) * time.Millisecond),
			results: []tileResult{{Rays: 100}, {Rays: 50}}}
		st.shown(f, release.Add(40*time.Millisecond))
	}
	st.misses = 1
	k := st.keys()
	assert.Equal(t, 5, k["frames"])
	assert.InDelta(t, 50.0, k["fps"], 1e-9, "4 intervals of 20 ms")
	assert.InDelta(t, 3.0, k["frame_ms_p50"], 1e-9)
	assert.InDelta(t, 5.0, k["frame_ms_p99"], 1e-9)
	assert.InDelta(t, 20.0, k["interval_ms_p99"], 1e-9)
	assert.Equal(t, 1, k["deadline_misses"])
	assert.Equal(t, uint64(750), k["rays"])
	assert.InDelta(t, 750/0.12, k["rays_per_sec"], 1e-6, "rays over the 120 ms from start to the last frame shown")
	q, ok := k["quality"].(qualityJSON)
	require.True(t, ok)
	assert.Equal(t, qualityJSON{Integrator: "whitted", SPP: 1, PixelStep: 2, Frames: 4}, q)
	assert.Len(t, k["qualities"], 2)
}

func TestRunStatsOneFrame(t *testing.T) {
	t0 := time.Unix(1000, 0)
	st := newRunStats(t0)
	st.shown(&frame{start: t0, done: t0.Add(100 * time.Millisecond)}, t0.Add(250*time.Millisecond))
	assert.InDelta(t, 4.0, st.fps(), 1e-9)
	assert.Zero(t, newRunStats(t0).fps(), "no frames")
}

func TestWriteStats(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	require.NoError(t, os.WriteFile(path, []byte(strings.Repeat("old stats ", 100)), 0o644))
	f, err := createLater(path)
	require.NoError(t, err)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(b), "old stats", "opening does not truncate")
	require.NoError(t, writeStats(f, map[string]any{"frames": 3, "quality": qualityJSON{SPP: 2}}))
	b, err = os.ReadFile(path)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m), "the old, longer content is gone")
	assert.Equal(t, 3.0, m["frames"])
	assert.Equal(t, 2.0, m["quality"].(map[string]any)["spp"])

	_, err = createLater(filepath.Join(t.TempDir(), "no", "such", "dir.json"))
	assert.Error(t, err)
	fresh := filepath.Join(t.TempDir(), "fresh.json")
	f, err = createLater(fresh)
	require.NoError(t, err)
	assert.Error(t, writeStats(f, map[string]any{"bad": func() {}}), "not JSON")
	assert.NoFileExists(t, fresh, "a file made for stats that could not be written is removed")
	f, err = createLater(path)
	require.NoError(t, err)
	f.abandon()
	assert.FileExists(t, path, "a file that was there stays")
}

func TestSummaryNamesTheQuality(t *testing.T) {
	t0 := time.Unix(1000, 0)
	st := newRunStats(t0)
	st.shown(&frame{q: render.Quality{SPP: 1, PixelStep: 2}, start: t0, done: t0}, t0)
	st.shown(&frame{n: 1, q: render.Quality{SPP: 1, PixelStep: 2}, start: t0, done: t0}, t0.Add(time.Second/60))
	assert.Equal(t, "2 frames in 0.02 s at 60.0 fps (target 60), 0 deadline misses, frame time p50 0.0 ms p99 0.0 ms; quality whitted 1 spp step 2 (2 frames)",
		st.summary(60, 2))
	assert.Equal(t, "2 of 5 frames in 0.02 s (120 fps), frame time p50 0.0 ms p99 0.0 ms; quality whitted 1 spp step 2 (2 frames)",
		st.summary(0, 5), "unpaced, interrupted")
	assert.Equal(t, "0 of 1 frame", newRunStats(t0).summary(0, 1))
}

func TestSummaryListsEveryQuality(t *testing.T) {
	t0 := time.Unix(1000, 0)
	st := newRunStats(t0)
	for n := range 12 {
		q := render.Quality{SPP: 1, PixelStep: 1 + n%6}
		st.shown(&frame{n: n, q: q, start: t0, done: t0}, t0.Add(time.Duration(n)*time.Second/60))
	}
	st.misses = 1
	line := st.summary(60, 12)
	assert.NotContains(t, line, "...")
	assert.Contains(t, line, "1 deadline miss,")
	for step := 1; step <= 6; step++ {
		assert.Contains(t, line, fmt.Sprintf("whitted 1 spp step %d (2 frames)", step))
	}
	assert.Equal(t, 0, strings.Count(line, "\n"), "one line")
}

func TestTracedShareIsTheMeanOfTheFramesShown(t *testing.T) {
	t0 := time.Now()
	st := newRunStats(t0)
	assert.Zero(t, st.TracedShare())
	for n, share := range []float64{0.25, 0.5, 1} {
		st.shown(&frame{n: n, start: t0, done: t0, TracedShare: share}, t0.Add(time.Duration(n)*time.Second/60))
	}
	assert.InDelta(t, 0.58333, st.TracedShare(), 1e-5)
	assert.InDelta(t, 0.58333, st.keys()["traced_share"], 1e-5)
	assert.Contains(t, st.summary(60, 3), "; traced 58% of pixels")
}

// TestSummaryRateHasNoExponent checks that an unpaced run's rate is
// written as a plain number: 3 tiny frames in 1.7 ms had read
// "(1.77e+03 fps)".
func TestSummaryRateHasNoExponent(t *testing.T) {
	t0 := time.Unix(1000, 0)
	st := newRunStats(t0)
	q := render.Quality{SPP: 1, PixelStep: 1}
	for n := range 3 {
		st.shown(&frame{n: n, q: q, start: t0, done: t0}, t0.Add(time.Duration(n+1)*566*time.Microsecond))
	}
	assert.Contains(t, st.summary(0, 3), "3 frames in 0.00 s (1767 fps)")
	for x, want := range map[float64]string{3.7234: "3.72", 56.06: "56.1", 203.4: "203", 1767.1: "1767", 0.5: "0.50"} {
		assert.Equal(t, want, rate(x), "%v", x)
	}
}
