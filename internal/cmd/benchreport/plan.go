package main

import "time"

// A suite is one package's benchmarks, run once per round.
type suite struct {
	name  string // in the report: "ring"
	pkg   string // as go test takes it: "./ring"
	bench string // -test.bench
	// benchtime is per benchmark, full and quick runs.
	benchtime, quickBenchtime string
	// rounds, if not 0, is the most rounds the suite runs in: for
	// benchmarks whose every op sets up a cluster.
	rounds int
}

// suites are run in this order in every round. The runtime's run a second
// per benchmark: a map's start and end (a first chunk sized before the
// items' cost is known, last tasks that leave a worker idle while another
// finishes) cost it a few milliseconds, a percent of a 300 ms map against a
// baseline that hands out single items.
var suites = []suite{
	{"ring", "./ring", "^(BenchmarkThroughput|BenchmarkRoundTrip|BenchmarkLoopback)$", "300ms", "50ms", 0},
	{"runtime", "./runtime", "^(BenchmarkDispatch|BenchmarkMap|BenchmarkGCIsolation|BenchmarkCrashNotice)$", "1s", "50ms", 0},
	{"proxy", "./proxy", "^BenchmarkCall$", "300ms", "50ms", 0},
	{"render", "./cmd/trace", "^BenchmarkRender$", "500ms", "100ms", 0},
	{"scenes", "./cmd/trace", "^BenchmarkScenes$", "200ms", "1x", 0},
	{"bandwidth", "./internal/cmd/benchreport/scaling", "^BenchmarkBandwidth$", "300ms", "50ms", 0},
	{"cluster", "./cluster", "^BenchmarkClusterFrames$", "1s", "200ms", 0},
	{"host-loss", "./cluster", "^BenchmarkHostLossNotice$", "5x", "2x", 0},
	{"scene-distribution", "./cmd/trace", "^BenchmarkSceneDistribution$", "1x", "1x", 4},
}

// A faultTest is a test whose log backs the README's fault-isolation claim.
// It runs once, in its -short form.
type faultTest struct {
	pkg, test, claim string
}

var faultTests = []faultTest{
	{"./runtime", "TestChaosMap", "SIGKILL and SIGSTOP random workers during a 10,000-item map: every result exactly once, pool back to full strength"},
	{"./cmd/trace", "TestChaosRender", "SIGKILL and SIGSTOP random workers during a 200-frame render: byte-identical to a fault-free render"},
	{"./runtime", "TestSIGKILLDuringMapLosesNothing", "SIGKILL workers during a map: nothing lost, lost tasks re-run"},
	{"./runtime", "TestNoOrphansWhenMasterIsKilled", "SIGKILL the master: no worker survives it"},
	{"./cluster", "TestChaosMapOverHosts", "SIGKILL and SIGSTOP hosts during a 10,000-item map: every result exactly once, every host hit given up on for what it was"},
	{"./cluster", "TestNoHostOutlivesItsMaster", "SIGKILL a master with two busy hosts: the hosts and their workers leave"},
}

// settings are a run's knobs.
type settings struct {
	quick bool
	// rounds is the most rounds; minRounds run even past the budget.
	rounds, minRounds int
	// budget is the time the whole run aims at, builds included.
	budget time.Duration
	// runTimeout bounds one run of one suite's binary.
	runTimeout time.Duration
}

func defaultSettings(quick bool) settings {
	if quick {
		return settings{quick: true, rounds: 6, minRounds: 2, budget: 80 * time.Second, runTimeout: 60 * time.Second}
	}
	return settings{rounds: 10, minRounds: 3, budget: 8*time.Minute + 30*time.Second, runTimeout: 3 * time.Minute}
}

func (s settings) benchtime(su suite) string {
	if s.quick {
		return su.quickBenchtime
	}
	return su.benchtime
}
