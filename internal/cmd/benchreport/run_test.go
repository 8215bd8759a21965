package main

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/internal/cmd/benchreport/compare"
)

// envFixture turns on the fixture benchmarks below, which the runner tests
// run through this very test binary; plain `go test -bench .` skips them.
const envFixture = "BENCHREPORT_FIXTURE"

func BenchmarkRunnerFixture(b *testing.B) {
	if os.Getenv(envFixture) == "" {
		b.Skip("a fixture for TestRunRounds")
	}
	for b.Loop() {
	}
}

func BenchmarkRunnerFixtureFails(b *testing.B) {
	if os.Getenv(envFixture) == "" {
		b.Skip("a fixture for TestRunRounds")
	}
	b.Fatal("this suite fails on purpose")
}

func fixtureRunner(t *testing.T, bench string, st settings) (*runner, *bytes.Buffer, *bytes.Buffer) {
	t.Setenv(envFixture, "1")
	var raw, log bytes.Buffer
	b := &builds{bins: map[string]string{".": os.Args[0]}, errs: map[string]error{"./gone": errMissing}}
	dir, err := os.Getwd() // go test runs us in the package's directory
	require.NoError(t, err)
	r := &runner{root: dir, set: st, builds: b, raw: &raw, log: &log, suites: []suite{
		{name: "self", pkg: ".", bench: bench, benchtime: "3x", quickBenchtime: "3x"},
		{name: "gone", pkg: "./gone", bench: ".", benchtime: "1x"},
	}}
	return r, &raw, &log
}

func TestRunRounds(t *testing.T) {
	st := settings{rounds: 3, minRounds: 1, budget: time.Hour, runTimeout: time.Minute}
	r, raw, log := fixtureRunner(t, "^BenchmarkRunnerFixture$", st)
	between := 0
	r.runRounds(t.Context(), time.Now(), func() { between++ })
	assert.Equal(t, 3, r.done)
	assert.Equal(t, 1, between, "once, after the first round")
	assert.Empty(t, r.failures)
	assert.Equal(t, 3, strings.Count(log.String(), "gone missing"), log.String())
	set, err := compare.Parse(raw, "github.com/shmrun/shmrun")
	require.NoError(t, err)
	got := set.Values(key("internal/cmd/benchreport", "RunnerFixture"), "sec/op")
	assert.Len(t, got, 3, raw.String())
}

func TestRunRoundsStopsAtTheBudget(t *testing.T) {
	st := settings{rounds: 10, minRounds: 2, budget: time.Nanosecond, runTimeout: time.Minute}
	r, _, log := fixtureRunner(t, "^BenchmarkRunnerFixture$", st)
	r.runRounds(t.Context(), time.Now(), nil)
	assert.Equal(t, 2, r.done, "the minimum, then the budget stops it")
	assert.Contains(t, log.String(), "stopping after 2 rounds")
}

func TestRunRoundsRecordsAFailingSuite(t *testing.T) {
	st := settings{rounds: 2, minRounds: 2, budget: time.Hour, runTimeout: time.Minute}
	r, raw, _ := fixtureRunner(t, "^BenchmarkRunnerFixture(Fails)?$", st)
	r.runRounds(t.Context(), time.Now(), nil)
	assert.Equal(t, 2, r.done, "a failing suite does not stop the rounds")
	require.Len(t, r.failures, 2)
	assert.Contains(t, r.failures[0], "round 1, self:")
	assert.Contains(t, r.failures[0], "this suite fails on purpose")
	set, err := compare.Parse(raw, "github.com/shmrun/shmrun")
	require.NoError(t, err)
	assert.Len(t, set.Values(key("internal/cmd/benchreport", "RunnerFixture"), "sec/op"), 2, "what ran before the failure is kept")
}

func TestRunTestKillsTheProcessGroup(t *testing.T) {
	start := time.Now()
	out, err := runTest(t.Context(), "/bin/sh", t.TempDir(), 300*time.Millisecond, "-c", "sleep 30 & echo $!; echo oops >&2; wait")
	require.Error(t, err)
	assert.Less(t, time.Since(start), 10*time.Second)
	assert.Contains(t, err.Error(), "killed after 300ms")
	assert.Contains(t, err.Error(), "oops")
	pid, perr := strconv.Atoi(strings.TrimSpace(string(out)))
	require.NoError(t, perr, "the child's pid: %q", out)
	assert.Eventually(t, func() bool { return syscall.Kill(pid, 0) == syscall.ESRCH }, 5*time.Second, 10*time.Millisecond,
		"the benchmark's own child died with it")
}

func TestBuildMissingPackage(t *testing.T) {
	root, _, err := moduleRoot(t.Context())
	require.NoError(t, err)
	var log bytes.Buffer
	b := build(t.Context(), root, t.TempDir(), []string{"./no/such/package"}, &log)
	assert.Empty(t, b.bins)
	assert.ErrorIs(t, b.errs["./no/such/package"], errMissing)
	assert.Contains(t, log.String(), "./no/such/package")
}

func TestTail(t *testing.T) {
	assert.Equal(t, "c | d", tail([]byte("a\nb\n\nc\n  d  \n\n"), 2))
	assert.Equal(t, "a", tail([]byte("a"), 5))
	assert.Equal(t, "", tail(nil, 5))
}

func TestSuiteFailures(t *testing.T) {
	set := fixture(t, 1)
	b := &builds{bins: map[string]string{"./ring": "x", "./runtime": "x", "./cmd/trace": "x", "./internal/cmd/benchreport/scaling": "x", "./proxy": "x",
		"./cluster": "x"}, errs: map[string]error{}}
	assert.Equal(t, []string{"proxy: missing: no benchmark matched ^BenchmarkCall$"}, suiteFailures(b, set))
	delete(b.bins, "./proxy")
	b.errs["./proxy"] = errMissing
	assert.Equal(t, []string{"proxy: missing"}, suiteFailures(b, set))
}
