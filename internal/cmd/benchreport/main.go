package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/shmrun/shmrun/internal/cmd/benchreport/compare"
)

func main() {
	quick := flag.Bool("quick", os.Getenv("BENCH_QUICK") == "1", "short benchmarks, fewer rounds (BENCH_QUICK=1)")
	rounds := flag.Int("rounds", 0, "the most rounds (0: 10, quick 6)")
	budget := flag.Duration("budget", 0, "the time the run aims at, builds included (0: 8m30s, quick 80s)")
	flag.Parse()
	st := defaultSettings(*quick)
	if *rounds > 0 {
		st.rounds, st.minRounds = *rounds, min(st.minRounds, *rounds)
	}
	if *budget > 0 {
		st.budget = *budget
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, st, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

// Paths of what a run writes, relative to the module root.
const (
	rawPath       = "bench.out"
	benchmarksMD  = "BENCHMARKS.md"
	chartPath     = "docs/bench.png"
	readmePath    = "README.md"
	faultsTimeout = 2 * time.Minute
)

func run(ctx context.Context, st settings, stdout, log io.Writer) error {
	start := time.Now()
	root, module, err := moduleRoot(ctx)
	if err != nil {
		return err
	}
	m := describeMachine(start)
	tmp, err := os.MkdirTemp("", "benchreport")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	raw, err := os.Create(filepath.Join(root, rawPath))
	if err != nil {
		return err
	}
	defer raw.Close()

	b := build(ctx, root, tmp, packages(), log)
	r := &runner{root: root, suites: suites, set: st, builds: b, raw: raw, log: log}
	var faults []faultResult
	r.runRounds(ctx, start, func() { faults = runFaultTests(ctx, root, b, faultsTimeout, log) })
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("interrupted; nothing written but %s: %w", rawPath, err)
	}
	if err := raw.Close(); err != nil {
		return err
	}
	set, err := parseFile(filepath.Join(root, rawPath), module)
	if err != nil {
		return err
	}
	m.loadEnd = loadAverage()
	rep := newReport(m, st, set, faults)
	rep.rounds, rep.took, rep.chart = r.done, time.Since(start), chartPath
	rep.failures = append(suiteFailures(b, set), r.failures...)
	if rep.realtime, err = readRealtime(root); err != nil {
		rep.failures = append(rep.failures, fmt.Sprintf("make realtime's results: %v", err))
	}
	if err := rep.write(root); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\n%s\n%s\n%s", comparisonTable(set, rep.pairs).Text(), targetTable(rep.pairs, rep.checks).Text(), rep.targetSummary())
	fmt.Fprintf(stdout, "%d failures; wrote %s, %s, %s and README.md's Benchmarks section in %v\n",
		len(rep.failures), rawPath, benchmarksMD, chartPath, rep.took.Round(time.Second))
	return nil
}

// suiteFailures says which suites did not build, and which ran but
// reported no result at all.
func suiteFailures(b *builds, set *compare.Set) []string {
	ran := map[string]bool{}
	for _, k := range set.Keys() {
		ran[k.Pkg] = true
	}
	var out []string
	for _, su := range suites {
		if err := b.errs[su.pkg]; err != nil {
			out = append(out, su.name+": "+err.Error())
		} else if !ran[strings.TrimPrefix(su.pkg, "./")] {
			out = append(out, fmt.Sprintf("%s: %s: no benchmark matched %s", su.name, errMissing, su.bench))
		}
	}
	return out
}

// packages lists every package a suite or a fault test needs, once.
func packages() []string {
	var out []string
	seen := map[string]bool{}
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, su := range suites {
		add(su.pkg)
	}
	for _, ft := range faultTests {
		add(ft.pkg)
	}
	return out
}

// moduleRoot returns the main module's directory and path.
func moduleRoot(ctx context.Context) (dir, path string, err error) {
	out, err := exec.CommandContext(ctx, goTool(), "list", "-m", "-f", "{{.Dir}}\t{{.Path}}").Output()
	if err != nil {
		return "", "", fmt.Errorf("go list -m: %w", err)
	}
	dir, path, ok := strings.Cut(strings.TrimSpace(string(out)), "\t")
	if !ok || strings.Contains(path, "\n") {
		return "", "", fmt.Errorf("go list -m: want one module, got %q", out)
	}
	return dir, path, nil
}

func parseFile(path, module string) (*compare.Set, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return compare.ParseTagged(f, module, placementTag)
}

// write writes BENCHMARKS.md, the chart and the README's block under root.
func (r *report) write(root string) error {
	if err := os.MkdirAll(filepath.Join(root, filepath.Dir(r.chart)), 0o755); err != nil {
		return err
	}
	png, err := os.Create(filepath.Join(root, r.chart))
	if err != nil {
		return err
	}
	if err := errors.Join(writeChart(png, r.data, r.models), png.Close()); err != nil {
		return fmt.Errorf("%s: %w", r.chart, err)
	}
	if err := os.WriteFile(filepath.Join(root, benchmarksMD), []byte(r.markdown()), 0o644); err != nil {
		return err
	}
	readme, err := os.ReadFile(filepath.Join(root, readmePath))
	if err != nil {
		return err
	}
	updated, err := replaceBlock(string(readme), r.readmeBlock())
	if err != nil {
		return fmt.Errorf("%s: %w", readmePath, err)
	}
	return os.WriteFile(filepath.Join(root, readmePath), []byte(updated), 0o644)
}
