package compare

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"golang.org/x/perf/benchmath"
	"golang.org/x/perf/benchunit"
)

// Confidence is the confidence level of every interval this package
// computes.
const Confidence = 0.95

// Interval says how the ends of an interval were obtained.
type Interval int

const (
	// CI is a 95% confidence interval of the median (order statistics; it
	// needs at least 6 runs).
	CI Interval = iota
	// MinMax is the smallest and the largest run: there were too few runs
	// for a confidence interval.
	MinMax
)

// String returns "95% CI" or "min-max".
func (i Interval) String() string {
	if i == MinMax {
		return "min-max"
	}
	return "95% CI"
}

// Summary is the median of one benchmark's runs in one unit, with an
// interval around it.
type Summary struct {
	Median, Lo, Hi float64
	// N is the number of runs.
	N        int
	Interval Interval
}

// Summarize summarizes values, one per run; values is not modified. It
// returns a zero Summary for no values.
func Summarize(values []float64) Summary {
	if len(values) == 0 {
		return Summary{}
	}
	s := sample(values)
	sum := benchmath.AssumeNothing.Summary(s, Confidence)
	out := Summary{Median: sum.Center, Lo: sum.Lo, Hi: sum.Hi, N: len(values), Interval: CI}
	if math.IsInf(sum.Lo, 0) || math.IsInf(sum.Hi, 0) {
		out.Lo, out.Hi, out.Interval = s.Values[0], s.Values[len(s.Values)-1], MinMax
	}
	return out
}

// sample copies values into a benchmath sample, which sorts them in place.
func sample(values []float64) *benchmath.Sample {
	return benchmath.NewSample(append([]float64(nil), values...), &benchmath.DefaultThresholds)
}

// Better says in which direction a unit improves.
type Better int

const (
	// Lower is better: time per op, bytes or allocations per op, lateness.
	Lower Better = iota
	// Higher is better: throughput (B/s, frames/s).
	Higher
)

// Ratio is how many times better ours is than a baseline: above 1 ours is
// better, whichever the unit's direction. For a time per op it is
// baseline time / our time, so 3 means three times as fast.
type Ratio struct {
	// Center is the ratio of the medians; Lo and Hi divide the ends of the
	// two intervals, so they bound the ratio at least as widely as each
	// interval bounds its median.
	Center, Lo, Hi float64
	// Interval is MinMax when either side had too few runs for a CI.
	Interval Interval
	// P is the p-value of the Mann-Whitney U test that both samples come
	// from the same distribution; Significant reports P < 0.05.
	P           float64
	Significant bool
	Ours, Base  Summary
}

// Compare compares our runs with the baseline's runs, both in the same
// unit. It wraps ErrNoSamples when either side has no runs.
func Compare(ours, base []float64, better Better) (Ratio, error) {
	if len(ours) == 0 || len(base) == 0 {
		return Ratio{}, fmt.Errorf("%w: %d runs of ours, %d of the baseline", ErrNoSamples, len(ours), len(base))
	}
	o, b := Summarize(ours), Summarize(base)
	r := Ratio{Ours: o, Base: b, Interval: max(o.Interval, b.Interval)}
	if better == Higher {
		r.Center, r.Lo, r.Hi = o.Median/b.Median, o.Lo/b.Hi, o.Hi/b.Lo
	} else {
		r.Center, r.Lo, r.Hi = b.Median/o.Median, b.Lo/o.Hi, b.Hi/o.Lo
	}
	c := benchmath.AssumeNothing.Compare(sample(ours), sample(base))
	r.P, r.Significant = c.P, c.P < c.Alpha
	return r, nil
}

// String formats the ratio as "3.10x [2.95x-3.31x] p=0.002".
func (r Ratio) String() string {
	return fmt.Sprintf("%s [%s-%s] p=%.3f", FormatRatio(r.Center), FormatRatio(r.Lo), FormatRatio(r.Hi), r.P)
}

// FormatRatio formats a ratio with three significant digits and an "x":
// "3.10x", "31.4x", "150x"; "∞x" and "?x" stand for infinite and undefined
// ratios (a zero denominator).
func FormatRatio(v float64) string {
	switch {
	case math.IsNaN(v):
		return "?x"
	case math.IsInf(v, 0):
		return "∞x"
	case v >= 100:
		return fmt.Sprintf("%.0fx", v)
	case v >= 10:
		return fmt.Sprintf("%.1fx", v)
	}
	return fmt.Sprintf("%.2fx", v)
}

// Format formats v in unit, as Set tidies units. Times and bytes get an SI
// or binary prefix: 1.187e-7 sec/op is "118.7ns", 5.4e8 B/s is
// "514.6MiB/s"; a custom metric in microseconds or milliseconds (a unit
// ending in "µs" or "-ms", such as "p99-late-µs" or "notice-ms") is a time
// too: 3240 µs is "3.240ms". Any other unit
// keeps its own scale, with four significant digits: "15.92 frames/s",
// "0.9895 Mrays/s", "0 allocs/op".
func Format(v float64, unit string) string {
	switch {
	case strings.HasSuffix(unit, "µs"):
		return benchunit.Scale(v*1e-6, benchunit.Decimal) + "s"
	case strings.HasSuffix(unit, "-ms"):
		return benchunit.Scale(v*1e-3, benchunit.Decimal) + "s"
	case unit == "sec/op":
		return benchunit.Scale(v, benchunit.Decimal) + "s"
	case strings.HasPrefix(unit, "B"):
		return benchunit.Scale(v, benchunit.Binary) + unit
	case math.Abs(v) >= 1e4:
		return fmt.Sprintf("%.0f %s", v, unit)
	}
	return strconv.FormatFloat(v, 'g', 4, 64) + " " + unit
}
