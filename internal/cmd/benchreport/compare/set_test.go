package compare_test

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/internal/cmd/benchreport/compare"
)

const module = "github.com/shmrun/shmrun"

// twoRuns is the output of two runs of two packages, with the noise a real
// run has around the results: logs, PASS, ok lines and a torn line.
const twoRuns = `goos: linux
goarch: amd64
pkg: github.com/shmrun/shmrun/ring
cpu: AMD EPYC
BenchmarkThroughput/ring-cross-process-2   	 2089234	       100.0 ns/op	 640.00 MB/s	       0 B/op	       0 allocs/op
BenchmarkThroughput/chan-in-process-2      	 2422624	       300.0 ns/op	 213.33 MB/s
PASS
ok  	github.com/shmrun/shmrun/ring	2.1s
pkg: github.com/shmrun/shmrun/runtime
BenchmarkMap/processes/workers=2-2         	     496	    239502 ns/op
BenchmarkGCIsolation/processes-2           	      27	  16624746 ns/op	     82513 max-late-µs	     63627 p99-late-µs
BenchmarkDispatch/processes-chunk1-2       	   10000	     13098 ns/op
BenchmarkBroken-2 	 12 	 abc ns/op
    chaos_test.go:124: a log line
pkg: github.com/shmrun/shmrun/ring
BenchmarkThroughput/ring-cross-process-2   	 2089234	       110.0 ns/op	 581.82 MB/s	       0 B/op	       0 allocs/op
pkg: github.com/shmrun/shmrun
BenchmarkRoot 	 10 	 5 ns/op
`

func TestParse(t *testing.T) {
	s, err := compare.Parse(strings.NewReader(twoRuns), module)
	require.NoError(t, err)
	ring := compare.Key{Pkg: "ring", Name: "Throughput/ring-cross-process"}
	assert.Equal(t, []compare.Key{
		ring,
		{Pkg: "ring", Name: "Throughput/chan-in-process"},
		{Pkg: "runtime", Name: "Map/processes/workers=2"},
		{Pkg: "runtime", Name: "GCIsolation/processes"},
		{Pkg: "runtime", Name: "Dispatch/processes-chunk1"},
		{Pkg: ".", Name: "Root"},
	}, s.Keys())
	assert.Equal(t, []string{"sec/op", "B/s", "B/op", "allocs/op"}, s.Units(ring))
	assert.InDeltaSlice(t, []float64{100e-9, 110e-9}, s.Values(ring, "sec/op"), 1e-15)
	assert.InDeltaSlice(t, []float64{640e6, 581.82e6}, s.Values(ring, "B/s"), 1)
	gc := compare.Key{Pkg: "runtime", Name: "GCIsolation/processes"}
	assert.Equal(t, []float64{63627}, s.Values(gc, "p99-late-µs"))
	assert.Equal(t, 1, s.Skipped, "the torn line")
}

func TestParseTheGOMAXPROCSSuffixOnly(t *testing.T) {
	s, err := compare.Parse(strings.NewReader("pkg: m/p\nBenchmarkMap/workers=2 1 5 ns/op\nBenchmarkMap/workers=1-16 1 5 ns/op\n"), "m")
	require.NoError(t, err)
	assert.Equal(t, []compare.Key{{Pkg: "p", Name: "Map/workers=2"}, {Pkg: "p", Name: "Map/workers=1"}}, s.Keys())
}

func TestSetMissing(t *testing.T) {
	var s compare.Set
	k := compare.Key{Pkg: "proxy", Name: "Call/proxy"}
	assert.Nil(t, s.Values(k, "sec/op"))
	assert.Nil(t, s.Units(k))
	_, err := s.Summary(k, "sec/op")
	assert.ErrorIs(t, err, compare.ErrNoSamples)
	s.Add(k, "sec/op", 1)
	_, err = s.Summary(k, "B/op")
	assert.ErrorIs(t, err, compare.ErrNoSamples)
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, assert.AnError }

func TestParseReadError(t *testing.T) {
	_, err := compare.Parse(failingReader{}, module)
	assert.ErrorIs(t, err, compare.ErrBadInput)
	assert.ErrorIs(t, err, assert.AnError)
}

func TestParseDropsNonFiniteValues(t *testing.T) {
	s, err := compare.Parse(strings.NewReader("BenchmarkA 1 NaN ns/op 5 x/op\nBenchmarkA 1 +Inf ns/op\nBenchmarkA 1 3 ns/op\n"), module)
	require.NoError(t, err)
	k := compare.Key{Name: "A"}
	assert.InDeltaSlice(t, []float64{3e-9}, s.Values(k, "sec/op"), 1e-18)
	assert.Equal(t, []float64{5}, s.Values(k, "x/op"))
	assert.Equal(t, 2, s.Skipped)
	s.Add(k, "x/op", math.NaN())
	assert.Equal(t, []float64{5}, s.Values(k, "x/op"))
}

func TestParseTaggedFilesResultsUnderTheirClassToo(t *testing.T) {
	out := `pkg: m/p
BenchmarkX-2 10 100 ns/op 130 probe-ns
BenchmarkX-2 10 300 ns/op 500 probe-ns
BenchmarkX-2 10 110 ns/op 120 probe-ns
BenchmarkY-2 10 50 ns/op
`
	tag := func(v map[string]float64) string {
		switch p, ok := v["probe-ns"]; {
		case !ok:
			return ""
		case p < 250:
			return "near"
		}
		return "far"
	}
	s, err := compare.ParseTagged(strings.NewReader(out), "m", tag)
	require.NoError(t, err)
	assert.InDeltaSlice(t, []float64{100e-9, 300e-9, 110e-9}, s.Values(compare.Key{Pkg: "p", Name: "X"}, "sec/op"), 1e-15)
	assert.InDeltaSlice(t, []float64{100e-9, 110e-9}, s.Values(compare.Key{Pkg: "p", Name: "X@near"}, "sec/op"), 1e-15)
	assert.Equal(t, []string{"sec/op", "probe-sec"}, s.Units(compare.Key{Pkg: "p", Name: "X@far"}), "units tidied as ever")
	assert.Len(t, s.Keys(), 4, "Y has no tag")
}
