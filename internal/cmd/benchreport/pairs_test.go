package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/internal/cmd/benchreport/compare"
)

func TestPairsAreWellFormed(t *testing.T) {
	titles := map[string]bool{}
	for _, p := range pairs {
		assert.False(t, titles[p.title], "duplicate title %q", p.title)
		titles[p.title] = true
		assert.NotEqual(t, p.ours, p.base, p.title)
		assert.NotEmpty(t, p.unit, p.title)
		assert.Equal(t, p.target != 0, p.targetText != "", "%s: a target and its text go together", p.title)
		if p.unit == "frames/s" {
			assert.Equal(t, compare.Higher, p.better, p.title)
		}
	}
	// The comparisons the issue asks for, at least.
	for _, want := range []string{"ring-cross-process@near", "ring-spin@near", "ring-futex", "processes@near", "Call/proxy", "Dispatch/processes", "Map/processes/workers=1", "Map/processes/workers=2", "Render/processes/workers=1", "Render/processes/workers=2"} {
		found := false
		for _, p := range pairs {
			found = found || strings.HasSuffix(p.ours.Name, want)
		}
		assert.True(t, found, want)
	}
}

func find(t *testing.T, rs []pairResult, title string) pairResult {
	t.Helper()
	for _, r := range rs {
		if r.title == title {
			return r
		}
	}
	require.FailNow(t, "no pair "+title)
	return pairResult{}
}

func TestEvaluate(t *testing.T) {
	rs := evaluate(fixture(t, 8))
	require.Len(t, rs, len(pairs))

	ring := find(t, rs, "ring throughput: SPSC ring across processes vs Go channel, near placement")
	require.NoError(t, ring.err)
	assert.InDelta(t, 4, ring.r.Center, 0.1)
	assert.Equal(t, "met", ring.status())
	assert.Equal(t, 6, ring.r.Ours.N, "the two far rounds are left out")

	limit := find(t, rs, "ring throughput: SPSC ring vs the fixed-slot limit, both across processes, far placement")
	require.NoError(t, limit.err)
	assert.InDelta(t, 0.9, limit.r.Center, 0.03)
	assert.Empty(t, limit.status(), "no target in the far placement")

	spin := find(t, rs, "round trip: ring, spinning vs the atomic limit, near placement")
	assert.InDelta(t, 1/3.0, spin.r.Center, 0.02)
	assert.Equal(t, "missed", spin.status())

	gob := find(t, rs, "dispatch: map over worker processes vs a naive os/exec pool fed gob over pipes, near placement")
	assert.InDelta(t, 1.5, gob.r.Center, 0.05)
	assert.Equal(t, "met", gob.status())

	proxy := find(t, rs, "call: proxy vs net/rpc over a unix socket")
	assert.ErrorIs(t, proxy.err, compare.ErrNoSamples)
	assert.Equal(t, "missing", proxy.status())

	render := find(t, rs, "scaling, render: 2 workers vs 1, processes")
	assert.InDelta(t, 40/20.4, render.r.Center, 0.03)
	assert.Equal(t, "met", render.status())

	gc := find(t, rs, "GC isolation: master's p99 wake-up lateness, processes vs goroutines")
	assert.Greater(t, gc.r.Center, 40.0)
	assert.Empty(t, gc.status(), "no target")
}

func TestStatusWithinNoise(t *testing.T) {
	p := pairResult{pair: pair{target: 1.9}, r: compare.Ratio{Center: 1.92, Lo: 1.8, Hi: 2.0}}
	assert.Equal(t, "met?", p.status())
	p.r.Center = 1.88
	assert.Equal(t, "missed?", p.status())
	p.r.Lo = 1.85
	p.r.Hi = 1.89
	assert.Equal(t, "missed", p.status())
}

func TestChecks(t *testing.T) {
	cs := evaluateChecks(fixture(t, 3))
	require.Len(t, cs, len(checks))
	assert.Equal(t, "met", cs[0].status(), "dispatch: 0 allocs/op")
	assert.Equal(t, "missing", cs[1].status(), "no proxy in the fixture")
	cs[0].s.Median = 1
	assert.Equal(t, "missed", cs[0].status())
}

func TestTables(t *testing.T) {
	set := fixture(t, 8)
	rs := evaluate(set)
	text := comparisonTable(set, rs).Text()
	assert.Contains(t, text, "call: proxy vs net/rpc over a unix socket")
	assert.Regexp(t, `proxy vs net/rpc over a unix socket\s+missing\s+missing\s+missing`, text)
	assert.Regexp(t, `SPSC ring across processes vs Go channel, near placement\s+(49|50)\.\d+ns\s+(199|20\d)\.\d+ns\s+[34]\.\d\dx`, text)
	assert.Contains(t, text, "(95% CI)")

	targets := targetTable(rs, evaluateChecks(set)).Markdown()
	assert.Regexp(t, `\| ring throughput: SPSC ring across processes vs Go channel, near placement: ≥ 3x \(#2, #16\) \| [34]\.\d\dx \| met \|`, targets)
	assert.Contains(t, targets, "| a proxy call allocates nothing in steady state: 0 allocs/op (#4) | missing | missing |")
}
