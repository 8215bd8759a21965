// Command benchreport is `make bench`: it runs shmrun's benchmark suites
// (ring, runtime, proxy, render and its per-scene figures, and a memory
// bandwidth probe) together with their baselines, and the fault-isolation
// tests, then reports ours against the baselines.
//
// It builds each suite's test binary once, then runs every suite once per
// round, round after round, so that a benchmark and its baseline are
// measured minutes apart at most even when the machine's load drifts. The
// raw output goes to bench.out (`benchstat bench.out` reads it); the
// report goes to stdout, BENCHMARKS.md, docs/bench.png and the README's
// Benchmarks section (between its bench:begin and bench:end markers).
//
// A suite that does not build or fails part-way leaves its benchmarks
// "missing" in the report; the report is written all the same.
//
// Usage:
//
//	go run ./internal/cmd/benchreport [-quick] [-rounds N] [-budget D]
//
// BENCH_QUICK=1 is the same as -quick: shorter benchmarks and fewer
// rounds, for checking the pipeline in under two minutes. A full run takes
// under ten minutes on a 2-core machine; either stops starting rounds when
// its time budget would be overrun (it always runs a minimum number).
package main
