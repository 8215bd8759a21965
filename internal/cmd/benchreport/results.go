package main

import (
	"errors"
	"fmt"

	"github.com/shmrun/shmrun/internal/cmd/benchreport/compare"
)

// pairResult is a pair as measured; err (wrapping compare.ErrNoSamples)
// when either side is missing.
type pairResult struct {
	pair
	r   compare.Ratio
	err error
}

func evaluate(set *compare.Set) []pairResult {
	out := make([]pairResult, len(pairs))
	for i, p := range pairs {
		r, err := compare.Compare(set.Values(p.ours, p.unit), set.Values(p.base, p.unit), p.better)
		out[i] = pairResult{pair: p, r: r, err: err}
	}
	return out
}

// status is "met" or "missed" against the target ("met?" or "missed?" when
// the ratio's interval reaches across the target), "missing" without data,
// "" without a target.
func (p pairResult) status() string {
	switch {
	case p.err != nil:
		return "missing"
	case p.target == 0:
		return ""
	}
	s := "missed"
	if p.r.Center >= p.target {
		s = "met"
	}
	if p.r.Lo < p.target && p.target < p.r.Hi {
		s += "?"
	}
	return s
}

// side formats one side's median, or "missing".
func side(set *compare.Set, k compare.Key, unit string) string {
	s, err := set.Summary(k, unit)
	if errors.Is(err, compare.ErrNoSamples) {
		return "missing"
	}
	return compare.Format(s.Median, unit)
}

func comparisonTable(set *compare.Set, rs []pairResult) *compare.Table {
	t := &compare.Table{Header: []string{"comparison", "ours", "baseline", "ours vs baseline", "spread", "p", "target", "status"}}
	for _, p := range rs {
		ours, base := side(set, p.ours, p.unit), side(set, p.base, p.unit)
		if p.err != nil {
			t.Append(p.title, ours, base, "missing", "", "", p.targetText, p.status())
			continue
		}
		t.Append(p.title, ours, base, compare.FormatRatio(p.r.Center),
			fmt.Sprintf("%s–%s (%s)", compare.FormatRatio(p.r.Lo), compare.FormatRatio(p.r.Hi), p.r.Interval),
			fmt.Sprintf("%.3f", p.r.P), p.targetText, p.status())
	}
	return t
}

// checkResult is a check as measured.
type checkResult struct {
	check
	s   compare.Summary
	err error
}

func evaluateChecks(set *compare.Set) []checkResult {
	out := make([]checkResult, len(checks))
	for i, c := range checks {
		s, err := set.Summary(c.k, c.unit)
		out[i] = checkResult{check: c, s: s, err: err}
	}
	return out
}

func (c checkResult) status() string {
	switch {
	case c.err != nil:
		return "missing"
	case c.s.Median <= c.max:
		return "met"
	}
	return "missed"
}

// targetTable lists every target: the pairs' and the checks'.
func targetTable(rs []pairResult, cs []checkResult) *compare.Table {
	t := &compare.Table{Header: []string{"target", "measured", "status"}}
	for _, p := range rs {
		if p.target == 0 {
			continue
		}
		got := "missing"
		if p.err == nil {
			got = compare.FormatRatio(p.r.Center)
		}
		t.Append(p.title+": "+p.targetText, got, p.status())
	}
	for _, c := range cs {
		got := "missing"
		if c.err == nil {
			got = compare.Format(c.s.Median, c.unit)
		}
		t.Append(c.title+": "+c.targetText, got, c.status())
	}
	return t
}
