package runtime_test

import (
	"log/slog"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/internal/faults"
	"github.com/shmrun/shmrun/runtime"
)

// busySquare burns the given time, then squares its input.
var busySquare = runtime.Register("test.busySquare", func(_ *runtime.Env, a [2]int64) (int64, error) {
	end := time.Now().Add(time.Duration(a[1]))
	for time.Now().Before(end) {
	}
	return a[0] * a[0], nil
})

// TestChaosMap SIGKILLs and SIGSTOPs random workers during a 10,000-item
// map, the faults paced by the map's progress so that all of them land
// while it runs. Every result must arrive once and right, every victim be
// noticed as what it was (killed as stopped if stopped, and reaped), no
// other worker die, and the pool end whole.
func TestChaosMap(t *testing.T) {
	n := faults.Count(testing.Short())
	var log faults.Log
	p := startPool(t, runtime.Options{Workers: 2, Stderr: discard{}, MaxAttempts: 1000,
		HeartbeatTimeout: 150 * time.Millisecond, Logger: slog.New(&log)})
	ctx := ctxTimeout(t, 5*time.Minute)
	const items = 10000
	d := 2 * time.Millisecond
	if testing.Short() {
		d = time.Millisecond / 2
	}
	args := make([][2]int64, items)
	for i := range args {
		args[i] = [2]int64{int64(i), int64(d)}
	}
	var received atomic.Int64
	var deaths faults.Deaths
	p.OnWorkerExit(deaths.Record)
	in := faults.Start(faults.Options{Faults: n, Seed: 1, Targets: faults.Workers(p),
		Progress: func() float64 { return float64(received.Load()) / items }})
	defer in.Stop()
	start := time.Now()
	seen := make([]int, items)
	for it, err := range runtime.MapSeq(ctx, p, busySquare, slices.Values(args), &runtime.MapOptions{Unordered: true}) {
		require.NoError(t, err)
		require.Equal(t, int64(it.Index*it.Index), it.Value)
		seen[it.Index]++
		received.Add(1)
	}
	rep := in.Stop()
	elapsed := time.Since(start)
	for i, c := range seen {
		require.Equal(t, 1, c, "item %d arrived %d times", i, c)
	}
	require.NoError(t, faults.AwaitRecovery(p, rep, 20*time.Second), "every victim noticed, the pool back to full strength")
	s := p.Stats()
	t.Logf("chaos map: %d items in %v, %d SIGKILLs and %d SIGSTOPs (last at %.0f%% of the map), %d deaths seen, %d tasks re-run; deaths:\n%s",
		items, elapsed.Round(time.Millisecond), rep.Kills, rep.Stops, 100*rep.Last(), s.Crashes, s.Redispatched, &deaths)
	assert.Len(t, rep.Faults, n, "every fault landed during the map")
	assert.NoError(t, deaths.Explain(rep), "every fault noticed as what it was, no other worker lost; log:\n%s", &log)
	assert.EqualValues(t, len(rep.Faults), s.Crashes)
}
