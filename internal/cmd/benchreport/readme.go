package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/shmrun/shmrun/internal/cmd/benchreport/compare"
)

// The README's Benchmarks section holds a block between these markers that
// every run rewrites; the rest of the README is left alone.
const (
	readmeBegin = "<!-- bench:begin: written by make bench (internal/cmd/benchreport); edit the tool, not this block -->"
	readmeEnd   = "<!-- bench:end -->"
)

// errNoMarkers is returned when the README lacks the block's markers.
var errNoMarkers = errors.New("no bench:begin and bench:end markers")

// replaceBlock replaces what lies between the markers in doc with body.
func replaceBlock(doc, body string) (string, error) {
	i := strings.Index(doc, readmeBegin)
	j := strings.Index(doc, readmeEnd)
	if i < 0 || j < i {
		return "", errNoMarkers
	}
	return doc[:i+len(readmeBegin)] + "\n" + body + doc[j:], nil
}

// readmeBlock is the README's summary: the chart, the headline ratios and
// the evidence for the why-processes claims, pointing to BENCHMARKS.md.
func (r *report) readmeBlock() string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	m := r.machine
	w("Measured by `%s` on %s (%s, %d cores, load average %s at the start), %d runs each, ",
		r.command(), m.date.UTC().Format("2006-01-02"), m.cpu, m.cores, m.loadStart, r.rounds)
	w("every figure against its baseline in the same run. [BENCHMARKS.md](BENCHMARKS.md) has the machine, ")
	w("every benchmark with its spread, the targets and the scaling model.\n\n")
	w("![ours against the baselines](%s)\n\n", r.chart)
	t := &compare.Table{Header: []string{"", "ours vs baseline", "target"}}
	for _, p := range r.pairs {
		if !p.headline {
			continue
		}
		got := "missing"
		if p.err == nil {
			got = compare.FormatRatio(p.r.Center)
		}
		t.Append(p.title, got, strings.TrimSpace(p.targetText+" "+p.status()))
	}
	w("%s\n", t.Markdown())
	w("A ratio above 1 means ours is better (faster, or less late).\n\n")
	gcp, gcg := key("runtime", "GCIsolation/processes"), key("runtime", "GCIsolation/goroutines")
	w("- **No shared GC**: while a kernel churns garbage, the master (on a core of its own) wakes from a 1 ms sleep %s late at the 99th percentile with a worker process, %s with a goroutine, and its heap allocates %s instead of %s (an op is one kernel item; `BenchmarkGCIsolation`).\n",
		side(r.data, gcp, "p99-late-µs"), side(r.data, gcg, "p99-late-µs"), side(r.data, gcp, "B/op"), side(r.data, gcg, "B/op"))
	w("- **Fault isolation**:")
	for _, f := range r.faults {
		w(" `%s` %s", f.test, strings.TrimSpace(f.status+" "+f.took))
		if len(f.logs) > 0 && f.status == "PASS" {
			w(" (%s)", f.logs[len(f.logs)-1])
		}
		w(";")
	}
	w(" a SIGKILLed worker is noticed in %s and replaced in %s (medians, `BenchmarkCrashNotice`); see BENCHMARKS.md.\n",
		side(r.data, key("runtime", "CrashNotice"), "notice-ms"), side(r.data, key("runtime", "CrashNotice"), "recover-ms"))
	remoteCPU := "missing"
	if s, err := r.data.Summary(clusterWith, "master-µs/remote-task"); err == nil {
		remoteCPU = compare.Format(s.Median, "µs")
	}
	w("- **More than one machine**: a SIGKILLed host is given up on in %s (median, `BenchmarkHostLossNotice`); the terrain scene reaches a host in %s after %s to publish it (`BenchmarkSceneDistribution`); the master spends %s of CPU per remote tile (`BenchmarkClusterFrames`).\n",
		side(r.data, hostNotice, "notice-ms"), side(r.data, sceneShare, "fetch-ms"), side(r.data, sceneShare, "publish-ms"), remoteCPU)
	for _, mr := range r.models {
		if mr.err == nil && len(mr.preds) > 0 {
			last := mr.preds[len(mr.preds)-1]
			for _, p := range mr.preds {
				if p.Workers == 16 {
					w("- **Predicted, not measured**: %s %.1fx at 16 workers, %.1fx at 64 (%s-bound), from Amdahl with s = %.3f.\n",
						mr.spec.short, p.Speedup, last.Speedup, last.Bound, mr.s)
				}
			}
		}
	}
	w("%s", r.clusterLine())
	return b.String()
}
