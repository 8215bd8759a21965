package main

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shmrun/shmrun/internal/cmd/benchreport/compare"
	"github.com/shmrun/shmrun/internal/cmd/benchreport/scaling"
	"github.com/shmrun/shmrun/internal/placement"
)

// report is everything BENCHMARKS.md and the README section show.
type report struct {
	machine  machine
	settings settings
	rounds   int
	took     time.Duration
	data     *compare.Set
	pairs    []pairResult
	checks   []checkResult
	models   []modelResult
	faults   []faultResult
	failures []string
	realtime []realtimeRun // make realtime's runs, if it left them
	// chart is the chart's path relative to the repository root.
	chart string
}

func newReport(m machine, st settings, data *compare.Set, faults []faultResult) *report {
	return &report{machine: m, settings: st, data: data, faults: faults,
		pairs: evaluate(data), checks: evaluateChecks(data), models: models(data)}
}

// markdown renders BENCHMARKS.md.
func (r *report) markdown() string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	w("# Benchmarks\n\n")
	w("Written by `%s` on %s; do not edit, rerun it. ", r.command(), r.machine.date.UTC().Format("2006-01-02 15:04 MST"))
	w("The raw output is in `bench.out` (not committed; `benchstat bench.out` reads it).\n\n")
	r.writeMachine(w)
	w("## Ours against the baselines\n\n![ours against the baselines](%s)\n\n", r.chart)
	w("A ratio above 1 means ours is better: for a time per op it is the baseline's time over ours, ")
	w("for a throughput ours over the baseline's. Each figure is the median of %d runs; ", r.rounds)
	w("the spread is the ratio's interval, from the 95%% confidence intervals of both medians ")
	w("(order statistics, as benchstat computes them) or, with fewer than 6 runs, from the runs' minimum and maximum; ")
	w("p is the Mann-Whitney U test's p-value (below 0.05: the difference is not noise). ")
	w("A status with `?` has its target inside the spread.\n\n")
	w("%s\n", comparisonTable(r.data, r.pairs).Markdown())
	r.writePlacement(w)
	w("## Targets from the issues\n\n%s\n", r.targetSummary())
	w("%s\n", targetTable(r.pairs, r.checks).Markdown())
	w("%s", realtimeSection(r.realtime))
	w("## Rays per second per core, per scene\n\n")
	if t := sceneTable(r.data); t != nil {
		w("`cmd/trace.BenchmarkScenes`: each scene at 320x180, 1 sample per pixel, one worker per core. ")
		w("Per core over the wall time is what the pipeline delivers; per busy core-second is how fast one core traces the scene. ")
		w("A ray is one query of the scene, counted once however it is answered (a BVH walk, a light buffer's list, a pixel group's list): ")
		w("every camera ray, every reflected, refracted or scattered ray and every shadow ray.\n\n%s\n", t.Markdown())
	} else {
		w("Missing: `cmd/trace.BenchmarkScenes` reported nothing.\n\n")
	}
	r.writeEvidence(w)
	r.writeModel(w)
	w("## Every benchmark\n\n%s\n", r.allTable().Markdown())
	r.writeFailures(w)
	return b.String()
}

func (r *report) command() string {
	if r.settings.quick {
		return "make bench-quick"
	}
	return "make bench"
}

func (r *report) writeMachine(w func(string, ...any)) {
	m := r.machine
	w("## Machine\n\n")
	w("- CPU: %s, %d cores (GOMAXPROCS %d)\n", m.cpu, m.cores, m.gomaxprocs)
	w("- Memory: %s\n- Kernel: %s\n- Go: %s\n", m.memory, m.kernel, m.goVersion)
	w("- Load average (1, 5, 15 min): %s at the start, %s at the end. ", m.loadStart, m.loadEnd)
	w("Anything above 0 on %d cores is other work competing with the benchmarks: ", m.cores)
	w("treat absolute figures with care, ratios less so (a benchmark and its baseline run seconds apart).\n")
	w("- Runs: %d rounds", r.rounds)
	if r.settings.quick {
		w(" (quick: BENCH_QUICK=1)")
	}
	w("; each round runs every suite once, in turn, so a benchmark and its baseline see the same load. Per benchmark: ")
	var bt []string
	for _, su := range suites {
		bt = append(bt, su.name+" "+r.settings.benchtime(su))
	}
	w("%s. The whole run took %s.\n\n", strings.Join(bt, ", "), r.took.Round(time.Second))
}

func (r *report) writePlacement(w func(string, ...any)) {
	w("## Placement\n\n")
	w("The machine's two vCPUs flip every few seconds between a near placement and a far one, in which a cache line bounced ")
	w("between two processes takes several times longer (the probe columns below), and every figure between processes moves with them. So each benchmark ")
	w("between processes, and each baseline beside one, probes the placement before and after each burst (`internal/placement`: ")
	w("a one-word round trip to a helper process; below %v is near). A run whose two probes agree is filed as near or far, ", placement.Near)
	w("one whose placement changed during the burst as mixed; the rows marked with a placement above compare runs of that placement only.\n\n")
	if t := placementTable(r.data); t != nil {
		w("%s\n", t.Markdown())
	} else {
		w("Missing: no benchmark reported its probes.\n\n")
	}
}

func (r *report) targetSummary() string {
	count := map[string]int{}
	total := 0
	for _, p := range r.pairs {
		if p.target != 0 {
			count[strings.TrimSuffix(p.status(), "?")]++
			total++
		}
	}
	for _, c := range r.checks {
		count[c.status()]++
		total++
	}
	return fmt.Sprintf("%d of %d targets met, %d missed, %d missing.\n", count["met"], total, count["missed"], count["missing"])
}

func (r *report) writeEvidence(w func(string, ...any)) {
	w("## Why processes: the evidence\n\n")
	w("**GC isolation** (`runtime.BenchmarkGCIsolation`): one worker's kernels churn through ~8 MiB of garbage an item while a ")
	w("goroutine of the master, on the other core, sleeps 1 ms at a time; how late it wakes up is the pause the kernels' garbage ")
	w("costs the master. B/op is what the master's heap allocates per item; sec/op the time per item.\n\n")
	gc := &compare.Table{Header: []string{"master, per kernel item", "worker processes", "goroutines"}}
	for _, unit := range []string{"p99-late-µs", "max-late-µs", "B/op", "sec/op"} {
		gc.Append(unit, side(r.data, key("runtime", "GCIsolation/processes"), unit), side(r.data, key("runtime", "GCIsolation/goroutines"), unit))
	}
	w("%s\n", gc.Markdown())
	w("**Fault isolation**: the chaos and crash tests, run once in their `-short` form.\n\n")
	ft := &compare.Table{Header: []string{"test", "what it does", "result", "what it logged"}}
	for _, f := range r.faults {
		got := strings.Join(f.logs, "; ")
		if f.err != nil {
			got = strings.TrimSpace(got + " " + f.err.Error())
		}
		ft.Append(f.test, f.claim, strings.TrimSpace(f.status+" "+f.took), got)
	}
	w("%s\n", ft.Markdown())
	w("**Noticing a death** (`runtime.BenchmarkCrashNotice`): an idle worker is SIGKILLed; the master notices in %s ",
		side(r.data, key("runtime", "CrashNotice"), "notice-ms"))
	w("(median; everything blocked on the worker's rings is woken then) and the pool is back to full strength, a replacement ")
	w("started and handshaken, in %s.\n\n", side(r.data, key("runtime", "CrashNotice"), "recover-ms"))
	w("**Noticing a lost host** (`cluster.BenchmarkHostLossNotice`): an idle host on loopback is SIGKILLed; the master gives up on it in %s ",
		side(r.data, hostNotice, "notice-ms"))
	w("(median), when the server tells it the host's connection closed. **Distributing a scene** (`cmd/trace.BenchmarkSceneDistribution`): ")
	w("the terrain scene (%s) is hashed and put in the Object Store in %s, once per master, and a host fetches and checks it in %s, once.\n\n",
		side(r.data, sceneShare, "MiB"), side(r.data, sceneShare, "publish-ms"), side(r.data, sceneShare, "fetch-ms"))
}

func (r *report) writeModel(w func(string, ...any)) {
	w("## Scaling beyond 2 cores: a PREDICTION, not a measurement\n\n")
	w("This machine has %d cores, so 16 and 64 workers cannot be measured here. The model:\n\n", r.machine.cores)
	w("    %s\n\n", scaling.Formula)
	w("Amdahl's law with the serial fraction s that the 1- and 2-worker measurements imply, capped by two ceilings ")
	w("that no worker count lifts: the master dispatching k tasks per op at d each, and b bytes of memory traffic per op ")
	w("at the bandwidth BW. Frames in flight (3 framebuffers of 60 tiles) keep 64 workers fed, so tile granularity is not a ceiling. ")
	w("The serial fraction also holds whatever else the machine was doing (see the load above): on a busy machine it is ")
	w("overestimated and the prediction pessimistic. Nothing here models a larger machine's caches, NUMA or a master that needs a core of its own.\n\n")
	for _, m := range r.models {
		w("### %s\n\n", m.spec.name)
		if m.err != nil {
			w("Missing: %v\n\n", m.err)
			continue
		}
		w("%s\n", m.inputTable().Markdown())
		w("%s\n", m.predictionTable().Markdown())
	}
	r.writeClusterModel(w)
}

// allTable lists every benchmark and unit measured.
func (r *report) allTable() *compare.Table {
	t := &compare.Table{Header: []string{"package", "benchmark", "unit", "median", "spread", "runs"}}
	keys := r.data.Keys()
	slices.SortStableFunc(keys, func(a, b compare.Key) int { return strings.Compare(a.Pkg, b.Pkg) })
	for _, k := range keys {
		for _, unit := range r.data.Units(k) {
			s, _ := r.data.Summary(k, unit)
			t.Append(k.Pkg, k.Name, unit, compare.Format(s.Median, unit),
				fmt.Sprintf("%s – %s (%s)", compare.Format(s.Lo, unit), compare.Format(s.Hi, unit), s.Interval), fmt.Sprint(s.N))
		}
	}
	return t
}

func (r *report) writeFailures(w func(string, ...any)) {
	if len(r.failures) == 0 && r.data.Skipped == 0 {
		return
	}
	w("## Failures\n\n")
	for _, f := range r.failures {
		w("- %s\n", strings.ReplaceAll(f, "\n", " "))
	}
	if r.data.Skipped > 0 {
		w("- %d benchmark lines could not be parsed\n", r.data.Skipped)
	}
	w("\n")
}
