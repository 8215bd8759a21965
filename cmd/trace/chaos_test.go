//go:build shmrun_faults

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/internal/faults"
	"github.com/shmrun/shmrun/runtime"
)

// The chaos tests change the pool's options through adjustPool, which only
// builds with the shmrun_faults tag have (make test, make chaos).

// chaosPool sets the pool options of a render under faults, for the
// fault-free reference too, so that both runs differ only in the faults.
func chaosPool(log *slog.Logger, env ...string) func(*runtime.Options) {
	return func(o *runtime.Options) {
		o.HeartbeatTimeout = 150 * time.Millisecond
		o.MaxAttempts = 1000 // faults are injected from outside: blame nobody
		o.Stderr = io.Discard
		o.Logger = log
		o.Env = env
	}
}

// renderY4M renders a session to a Y4M file and returns its bytes and the
// pool's final stats. pool adjusts the pool's options; during, if set, runs
// once the session is open and returns what to do when the render is over,
// before the session closes.
func renderY4M(t *testing.T, args []string, pool func(*runtime.Options), during func(*session) func()) ([]byte, runtime.Stats) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "v.y4m")
	cfg, err := parseFlags(append(args, "-o", out), io.Discard)
	require.NoError(t, err)
	adjustPool = pool
	defer func() { adjustPool = nil }()
	ctx := context.Background()
	s, err := open(ctx, cfg, io.Discard)
	require.NoError(t, err)
	var after func()
	if during != nil {
		after = during(s)
	}
	runErr := s.run(ctx)
	if after != nil {
		after()
	}
	require.NoError(t, runErr)
	st := s.pool.Stats()
	require.NoError(t, s.close(ctx))
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	return b, st
}

// TestChaosRender SIGKILLs and SIGSTOPs random workers during a 200-frame
// render, paced by the tiles done so that every fault lands while it runs.
// The video must be byte-identical to a fault-free render, every victim
// noticed and the pool whole again.
func TestChaosRender(t *testing.T) {
	n := faults.Count(testing.Short())
	const frames = 200
	w, h, tile := 320, 180, 32
	if testing.Short() {
		w, h = 160, 90
	}
	args := []string{"-scene", "default", "-size", fmt.Sprintf("%dx%d", w, h), "-frames", strconv.Itoa(frames),
		"-workers", "2", "-tile", strconv.Itoa(tile)}
	want, _ := renderY4M(t, args, chaosPool(nil), nil)

	var log faults.Log
	var deaths faults.Deaths
	var rep faults.Report
	tiles := float64(frames * ((w + tile - 1) / tile) * ((h + tile - 1) / tile))
	start := time.Now()
	got, st := renderY4M(t, args, chaosPool(slog.New(&log)), func(s *session) func() {
		s.pool.OnWorkerExit(deaths.Record)
		in := faults.Start(faults.Options{Faults: n, Seed: 3, Targets: faults.Workers(s.pool),
			Progress: func() float64 { return float64(s.pool.Stats().Tasks) / tiles }})
		return func() {
			rep = in.Stop()
			require.NoError(t, faults.AwaitRecovery(s.pool, rep, 20*time.Second),
				"every victim noticed, the pool back to full strength")
		}
	})
	t.Logf("chaos render: %d frames of %dx%d in %v, %d SIGKILLs and %d SIGSTOPs (last at %.0f%% of the tiles), %d deaths seen, %d tiles re-run; deaths:\n%s",
		frames, w, h, time.Since(start).Round(time.Millisecond), rep.Kills, rep.Stops, 100*rep.Last(), st.Crashes, st.Redispatched, &deaths)
	assert.Len(t, rep.Faults, n, "every fault landed during the render")
	assert.NoError(t, deaths.Explain(rep), "every fault noticed as what it was, no other worker lost; log:\n%s", &log)
	assert.EqualValues(t, len(rep.Faults), st.Crashes)
	assert.True(t, bytes.Equal(want, got), "the render is byte-identical to the fault-free one")
}
