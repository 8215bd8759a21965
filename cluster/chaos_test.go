package cluster_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/cluster"
	"github.com/shmrun/shmrun/internal/faults"
	"github.com/shmrun/shmrun/runtime"
)

// slowSquare squares after 200 µs of sleep: a 10,000-item map lasts long
// enough for hosts to be killed and replaced during it, and costs this
// machine next to nothing.
var slowSquare = runtime.Register("cluster.slowSquare", func(_ *runtime.Env, x int) (int, error) {
	time.Sleep(200 * time.Microsecond)
	return x * x, nil
}).Remote(nil)

// TestChaosMapOverHosts SIGKILLs and SIGSTOPs hosts during a 10,000-item
// map, starting a new host for each one hit: every result arrives exactly
// once and right, every host hit is given up on for the right reason
// (lost with its connection, or unreachable past HostTimeout), and no
// other slot dies.
func TestChaosMapOverHosts(t *testing.T) {
	m := startMaster(t, 1, &cluster.Options{HostTimeout: 400 * time.Millisecond})
	var deaths faults.Deaths
	m.pool.OnWorkerExit(deaths.Record)
	const keep = 2 // hosts kept alive
	var hostsMu sync.Mutex
	started := 0
	spawn := func() {
		hostsMu.Lock()
		started++
		hostsMu.Unlock()
		startHost(t, m.c.URL(), 1)
	}
	for range keep {
		spawn()
	}
	m.waitHosts(t, keep)

	const n = 10000
	var done atomic.Int64
	in := faults.Start(faults.Options{
		Faults: max(4, faults.Count(testing.Short())/4), Seed: 1414,
		Targets:  faults.Hosts(m.pool),
		Progress: func() float64 { return float64(done.Load()) / n },
	})
	lost := make(chan struct{}, 1000)
	m.pool.OnWorkerExit(func(e runtime.WorkerExit) {
		if e.Host != "" && !e.Graceful {
			lost <- struct{}{}
		}
	})
	stop := make(chan struct{})
	replenished := make(chan struct{})
	go func() { // a new host for each one given up on
		defer close(replenished)
		for {
			select {
			case <-stop:
				return
			case <-lost:
				spawn()
			}
		}
	}()
	seen := make([]int, n)
	ctx := context.Background()
	for item, err := range runtime.MapSeq(ctx, m.pool, slowSquare, func(yield func(int) bool) {
		for i := range n {
			if !yield(i) {
				return
			}
		}
	}, &runtime.MapOptions{Unordered: true, Chunk: 10, Progress: func(d, _ int) { done.Store(int64(d)) }}) {
		require.NoError(t, err)
		seen[item.Index]++
		require.Equal(t, item.Index*item.Index, item.Value, "item %d", item.Index)
	}
	close(stop)
	<-replenished
	rep := in.Stop()
	for i, c := range seen {
		require.Equal(t, 1, c, "item %d delivered %d times", i, c)
	}
	require.Eventually(t, func() bool { return len(rep.Survivors()) == 0 || allGone(m.pool, rep) },
		10*time.Second, 10*time.Millisecond, "hosts hit and not given up on")
	require.NoError(t, deaths.Explain(rep))
	st := m.pool.Stats()
	t.Logf("chaos map over hosts: %d items, %d SIGKILLs and %d SIGSTOPs of hosts (last at %.0f%% of the map), %d hosts started, %d tasks re-run, %d hedged\n%s",
		n, rep.Kills, rep.Stops, 100*rep.Last(), started, st.Redispatched, st.Hedges, deaths.String())
	assert.Positive(t, rep.Kills+rep.Stops)
}

// allGone reports whether the pool gave up on every host hit.
func allGone(p *runtime.Pool, rep faults.Report) bool {
	hit := map[int]bool{}
	for _, f := range rep.Faults {
		hit[f.PID] = true
	}
	for _, h := range p.Stats().Hosts {
		if hit[h.PID] && h.Alive {
			return false
		}
	}
	return true
}
