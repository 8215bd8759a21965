package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/internal/cmd/benchreport/compare"
)

func testReport(t *testing.T, set *compare.Set) *report {
	m := machine{cpu: "Test CPU", cores: 2, gomaxprocs: 2, memory: "1.0 GiB", kernel: "linux 6.0", goVersion: "go1.26 linux/amd64",
		date: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), loadStart: "4.00 3.00 2.00", loadEnd: "5.00 4.00 3.00"}
	faults := []faultResult{
		{faultTest: faultTest{test: "TestChaosMap", claim: "kills workers"}, status: "PASS", took: "6.86s", logs: []string{"chaos map: 10000 items, 11 SIGKILLs"}},
		{faultTest: faultTest{test: "TestGone", claim: "gone"}, status: "missing", err: errMissing},
	}
	r := newReport(m, defaultSettings(false), set, faults)
	r.rounds, r.took, r.chart = 8, 7*time.Minute, chartPath
	r.failures = []string{"proxy: missing: ./proxy has no Go files"}
	return r
}

func TestMarkdown(t *testing.T) {
	md := testReport(t, fixture(t, 8)).markdown()
	for _, want := range []string{
		"Written by `make bench` on 2026-01-02 03:04 UTC",
		"- CPU: Test CPU, 2 cores (GOMAXPROCS 2)",
		"- Memory: 1.0 GiB\n- Kernel: linux 6.0\n- Go: go1.26 linux/amd64",
		"4.00 3.00 2.00 at the start, 5.00 4.00 3.00 at the end",
		"- Runs: 8 rounds;",
		"The whole run took 7m0s.",
		"![ours against the baselines](docs/bench.png)",
		"| call: proxy vs net/rpc over a unix socket | missing | missing | missing |",
		"## Targets from the issues",
		"| TestChaosMap | kills workers | PASS 6.86s | chaos map: 10000 items, 11 SIGKILLs |",
		"| TestGone | gone | missing | missing |",
		"## Scaling beyond 2 cores: a PREDICTION, not a measurement",
		"T(N) = max(",
		"(PREDICTED)",
		"## Every benchmark",
		"## Failures\n\n- proxy: missing: ./proxy has no Go files",
	} {
		assert.Contains(t, md, want)
	}
	assert.Regexp(t, `\| ring \| Throughput/ring-cross-process \| sec/op \| (49|50)\.\d+ns \|`, md)
	assert.Regexp(t, `\d+ of 18 targets met, \d+ missed, 3 missing\.`, md)
	for _, want := range []string{
		"### More than one machine: hosts over NATS",
		"T(H) = max(",
		"| 16 | 34 | 1 Gbit/s |",
		"(PREDICTED)",
		"the terrain scene (23.54 MiB) is hashed and put in the Object Store in 170.0ms",
	} {
		assert.Contains(t, md, want)
	}
}

func TestMarkdownWithNothingMeasured(t *testing.T) {
	md := testReport(t, &compare.Set{}).markdown()
	assert.Contains(t, md, "0 of 18 targets met, 0 missed, 18 missing.")
	assert.Contains(t, md, "Missing: compare: no samples")
}

func TestReadmeBlock(t *testing.T) {
	b := testReport(t, fixture(t, 8)).readmeBlock()
	assert.Contains(t, b, "Measured by `make bench` on 2026-01-02 (Test CPU, 2 cores, load average 4.00 3.00 2.00 at the start), 8 runs each")
	assert.Contains(t, b, "[BENCHMARKS.md](BENCHMARKS.md)")
	assert.Contains(t, b, "![ours against the baselines](docs/bench.png)")
	assert.Regexp(t, `\| ring throughput: SPSC ring across processes vs Go channel, near placement \| [34]\.\d\dx \| ≥ 3x \(#2, #16\) met \|`, b)
	assert.Contains(t, b, "| call: proxy vs net/rpc over a unix socket | missing | ≥ 10x (#4) missing |")
	assert.Regexp(t, `the master \(on a core of its own\) wakes from a 1 ms sleep 10\d\.\dµs late at the 99th percentile with a worker process, 5\.\d+ms with a goroutine`, b)
	assert.Contains(t, b, "`TestChaosMap` PASS 6.86s (chaos map: 10000 items, 11 SIGKILLs)")
	assert.Contains(t, b, "`TestGone` missing;")
	assert.Regexp(t, `\*\*Predicted, not measured\*\*: render [\d.]+x at 16 workers, [\d.]+x at 64`, b)
	assert.NotContains(t, b, "headline", "only headline pairs, and no field names")
	assert.Regexp(t, `\| cluster: master \+ 3 hosts of 2 workers vs the master alone.* \| 3\.\d\dx \| ≥ 3\.4x, 85% of ideal \(#14\) met \|`, b)
	assert.Contains(t, b, "the master spends 200.0µs of CPU per remote tile")
	assert.Regexp(t, `\*\*Predicted, not measured\*\*: hosts of 2 workers over a 1 Gbit/s link, [\d.]+x the master alone with 8 hosts`, b)
	assert.Equal(t, 13, strings.Count(b, "\n| ")-1, "the header and the headline pairs")
}

func TestWrite(t *testing.T) {
	root := t.TempDir()
	readme := "# r\n\n## Benchmarks\n\n" + readmeBegin + "\n" + readmeEnd + "\n"
	require.NoError(t, os.WriteFile(filepath.Join(root, readmePath), []byte(readme), 0o644))
	r := testReport(t, fixture(t, 3))
	require.NoError(t, r.write(root))

	md, err := os.ReadFile(filepath.Join(root, benchmarksMD))
	require.NoError(t, err)
	assert.Equal(t, r.markdown(), string(md))
	got, err := os.ReadFile(filepath.Join(root, readmePath))
	require.NoError(t, err)
	assert.Equal(t, "# r\n\n## Benchmarks\n\n"+readmeBegin+"\n"+r.readmeBlock()+readmeEnd+"\n", string(got))
	f, err := os.Open(filepath.Join(root, chartPath))
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	assert.Equal(t, chartW, img.Bounds().Dx())
	assert.Equal(t, chartH, img.Bounds().Dy())
}

func TestWriteWithoutMarkers(t *testing.T) {
	root := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(root, readmePath), []byte("# r\n"), 0o644))
	err := testReport(t, fixture(t, 3)).write(root)
	assert.ErrorIs(t, err, errNoMarkers)
}

func TestChartWithNothingMeasured(t *testing.T) {
	var buf bytes.Buffer
	set := &compare.Set{}
	require.NoError(t, writeChart(&buf, set, models(set)))
	_, err := png.Decode(&buf)
	assert.NoError(t, err)
}
