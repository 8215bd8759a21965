package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"
)

// runner runs the suites round after round and keeps what they printed.
type runner struct {
	root   string
	suites []suite
	set    settings
	builds *builds
	raw    io.Writer // bench.out: every run's standard output, as printed
	log    io.Writer // progress, for the terminal
	// failures are the suite runs that failed, in order.
	failures []string
	// done counts the rounds run.
	done int
}

// runRounds runs round after round until set.rounds, or until the next
// round would end past start+set.budget once set.minRounds have run. It
// calls between, if not nil, after the first round (the fault tests run
// there).
func (r *runner) runRounds(ctx context.Context, start time.Time, between func()) {
	var last time.Duration
	for r.done < r.set.rounds && ctx.Err() == nil {
		if r.done >= r.set.minRounds && time.Since(start)+last > r.set.budget {
			fmt.Fprintf(r.log, "stopping after %d rounds: another would end past the %v budget\n", r.done, r.set.budget)
			return
		}
		t := time.Now()
		r.round(ctx)
		last = time.Since(t)
		r.done++
		if r.done == 1 && between != nil {
			between()
		}
	}
}

// round runs every suite once.
func (r *runner) round(ctx context.Context) {
	var line []string
	for _, su := range r.suites {
		if su.rounds > 0 && r.done >= su.rounds {
			continue
		}
		bin, ok := r.builds.bins[su.pkg]
		if !ok {
			line = append(line, su.name+" missing")
			continue
		}
		t := time.Now()
		out, err := runTest(ctx, bin, filepath.Join(r.root, su.pkg), r.set.runTimeout,
			"-test.run", "^$", "-test.bench", su.bench, "-test.benchtime", r.set.benchtime(su),
			"-test.count", "1", "-test.benchmem", "-test.timeout", r.set.runTimeout.String())
		if _, werr := r.raw.Write(out); werr != nil && err == nil {
			err = werr
		}
		status := fmt.Sprintf("%s %.1fs", su.name, time.Since(t).Seconds())
		if err != nil {
			r.failures = append(r.failures, fmt.Sprintf("round %d, %s: %v", r.done+1, su.name, err))
			status += " FAILED"
		}
		line = append(line, status)
	}
	fmt.Fprintf(r.log, "round %d/%d: %s\n", r.done+1, r.set.rounds, strings.Join(line, ", "))
}
