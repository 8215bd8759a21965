package main

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/internal/cmd/benchreport/compare"
)

// fixture is bench output of `runs` rounds for every benchmark the pairs
// name except proxy's, each with a fixed median and a little noise. The
// figures meet or miss targets on purpose: see the tests. The ring's and
// runtime's benchmarks probe the placement: near in every round but every
// fourth, far in those, where they are twice as slow.
func fixture(t *testing.T, runs int) *compare.Set {
	t.Helper()
	ns := map[string]map[string]float64{
		"ring": {
			"Throughput/ring-cross-process": 50, "Throughput/chan-in-process": 200, "Throughput/mpmc-cross-process": 400,
			"Throughput/limit-fixed-slots": 45, "Loopback/ring": 20, "Loopback/limit-fixed-slots": 15,
			"RoundTrip/ring-spin": 300, "RoundTrip/atomic-limit": 100, "RoundTrip/atomic-2lines": 200,
			"RoundTrip/ring-futex": 8000, "RoundTrip/unix-socket": 20000,
		},
		"runtime": {
			"Dispatch/processes": 100, "Dispatch/processes-chunk1": 5000, "Dispatch/goroutines": 250, "Dispatch/exec-gob": 150,
			"Map/processes/workers=1": 50000, "Map/processes/workers=2": 25500,
			"Map/goroutines/workers=1": 49000, "Map/goroutines/workers=2": 25000,
		},
		"cmd/trace": {
			"Render/processes/workers=1": 40e6, "Render/processes/workers=2": 20.4e6,
			"Render/goroutines/workers=1": 40e6, "Render/goroutines/workers=2": 20.5e6,
		},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	for round := range runs {
		far := round%4 == 3
		for _, pkg := range []string{"ring", "runtime", "cmd/trace"} {
			fmt.Fprintf(&b, "pkg: github.com/shmrun/shmrun/%s\n", pkg)
			for _, name := range slices.Sorted(maps.Keys(ns[pkg])) {
				v := ns[pkg][name]
				v *= 1 + 0.02*(rng.Float64()-0.5)
				probed := pkg != "cmd/trace" && !strings.HasPrefix(name, "Loopback")
				if probed && far {
					v *= 2
				}
				fmt.Fprintf(&b, "Benchmark%s-2 \t 100 \t %.1f ns/op \t 0 B/op \t 0 allocs/op", name, v)
				if pkg == "cmd/trace" {
					fmt.Fprintf(&b, "\t %.2f frames/s", 1e9/v)
				}
				if probed {
					bounce := 130 + rng.IntN(10)
					if far {
						bounce += 370
					}
					fmt.Fprintf(&b, "\t %d bounce-before-ns \t %d bounce-after-ns", bounce, bounce+rng.IntN(5))
				}
				b.WriteString("\n")
			}
		}
		fmt.Fprintf(&b, "pkg: github.com/shmrun/shmrun/runtime\nBenchmarkGCIsolation/processes-2 10 5000000 ns/op %d p99-late-µs 900 max-late-µs\n", 100+rng.IntN(10))
		fmt.Fprintf(&b, "BenchmarkGCIsolation/goroutines-2 10 6000000 ns/op %d p99-late-µs 9000 max-late-µs\n", 5000+rng.IntN(100))
		fmt.Fprintf(&b, "pkg: github.com/shmrun/shmrun/internal/cmd/benchreport/scaling\nBenchmarkBandwidth/all-threads-2 10 10000000 ns/op %d MB/s\n", 20000+rng.IntN(100))
		alone, with := 160e6*(1+0.02*rng.Float64()), 42e6*(1+0.02*rng.Float64())
		fmt.Fprintf(&b, "pkg: github.com/shmrun/shmrun/cluster\nBenchmarkClusterFrames/master-alone-2 10 %.0f ns/op %.3f frames/s 90 master-µs/task\n", alone, 1e9/alone)
		fmt.Fprintf(&b, "BenchmarkClusterFrames/hosts=3-2 30 %.0f ns/op %.3f frames/s 200 master-µs/remote-task 15700 link-B/remote-task 44 remote-tasks/frame\n", with, 1e9/with)
		fmt.Fprintf(&b, "BenchmarkClusterFrames/hosts=3/sequential-2 30 47000000 ns/op 21.3 frames/s 210 master-µs/remote-task\n")
		fmt.Fprintf(&b, "BenchmarkHostLossNotice-2 5 3600000 ns/op %.2f notice-ms\n", 3.5+rng.Float64())
		fmt.Fprintf(&b, "pkg: github.com/shmrun/shmrun/cmd/trace\nBenchmarkSceneDistribution-2 1 3000000000 ns/op 153 fetch-ms 23.54 MiB 170 publish-ms\n")
	}
	set, err := compare.ParseTagged(strings.NewReader(b.String()), "github.com/shmrun/shmrun", placementTag)
	require.NoError(t, err)
	require.Zero(t, set.Skipped)
	return set
}
