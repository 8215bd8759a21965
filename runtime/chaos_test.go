package runtime_test

import (
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/runtime"
)

// chaosFaults is how many faults the chaos tests inject: 100 by default
// (make chaos), fewer with -short (make test, and CI). SHMRUN_CHAOS_FAULTS
// overrides both.
func chaosFaults() int {
	if n, err := strconv.Atoi(os.Getenv("SHMRUN_CHAOS_FAULTS")); err == nil {
		return n
	}
	if testing.Short() {
		return 20
	}
	return 100
}

// injector SIGKILLs or SIGSTOPs random workers of p, one every gap, until
// it has injected n faults or is stopped. A stopped worker is left stopped:
// the pool must notice (heartbeat) and replace it.
type injector struct {
	kills, stops int
	stop         chan struct{}
	done         chan struct{}
}

func inject(p *runtime.Pool, n int, gap time.Duration, seed uint64) *injector {
	in := &injector{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(in.done)
		rng := rand.New(rand.NewPCG(seed, 7))
		hit := map[int]bool{} // fault each process once: a stopped one still looks alive
		for in.kills+in.stops < n {
			select {
			case <-in.stop:
				return
			case <-time.After(gap/2 + time.Duration(rng.Int64N(int64(gap)))):
			}
			ws := p.Stats().Workers
			w := ws[rng.IntN(len(ws))]
			if !w.Alive || w.PID <= 0 || hit[w.PID] {
				continue
			}
			hit[w.PID] = true
			sig, count := syscall.SIGKILL, &in.kills
			if rng.IntN(2) == 0 {
				sig, count = syscall.SIGSTOP, &in.stops
			}
			if syscall.Kill(w.PID, sig) == nil {
				*count++
			}
		}
	}()
	return in
}

func (in *injector) finish() {
	select {
	case <-in.stop:
	default:
		close(in.stop)
	}
	<-in.done
}

// busySquare burns the given time, then squares its input.
var busySquare = runtime.Register("test.busySquare", func(_ *runtime.Env, a [2]int64) (int64, error) {
	end := time.Now().Add(time.Duration(a[1]))
	for time.Now().Before(end) {
	}
	return a[0] * a[0], nil
})

func TestChaosMap(t *testing.T) {
	faults := chaosFaults()
	p := startPool(t, runtime.Options{Workers: 2, Stderr: discard{}, MaxAttempts: 1000,
		HeartbeatTimeout: 150 * time.Millisecond})
	ctx := ctxTimeout(t, 5*time.Minute)
	// The map is sized to outlast the faults: 10,000 items of cost d on two
	// workers take 5000*d, and the faults come 1.5 times faster than that.
	const n = 10000
	d := 2 * time.Millisecond
	if testing.Short() {
		d = time.Millisecond / 2
	}
	items := make([][2]int64, n)
	for i := range items {
		items[i] = [2]int64{int64(i), int64(d)}
	}
	in := inject(p, faults, 5000*d/time.Duration(faults)*2/3, 1)
	defer in.finish()
	seen := make([]int, n)
	for it, err := range runtime.MapSeq(ctx, p, busySquare, slices.Values(items), &runtime.MapOptions{Unordered: true}) {
		require.NoError(t, err)
		require.Equal(t, int64(it.Index*it.Index), it.Value)
		seen[it.Index]++
	}
	in.finish()
	for i, c := range seen {
		require.Equal(t, 1, c, "item %d arrived %d times", i, c)
	}
	require.Eventually(t, func() bool {
		for _, w := range p.Stats().Workers {
			if !w.Alive {
				return false
			}
		}
		return true
	}, 20*time.Second, 10*time.Millisecond, "back to full strength")
	s := p.Stats()
	t.Logf("chaos map: %d items, %d SIGKILLs, %d SIGSTOPs, %d deaths seen, %d tasks re-run",
		n, in.kills, in.stops, s.Crashes, s.Redispatched)
	assert.GreaterOrEqual(t, in.kills+in.stops, faults*9/10, "the faults landed during the map")
	assert.Equal(t, uint64(in.kills+in.stops), s.Crashes, "every fault killed one process, noticed")
}
