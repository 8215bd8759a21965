package placement

import "time"

// Units of the metrics Record reports: the round trip of Bounce before and
// after the burst, in nanoseconds.
const (
	UnitBefore = "bounce-before-ns"
	UnitAfter  = "bounce-after-ns"
)

// Bench is what Record needs of a *testing.B (the package itself does not
// import testing).
type Bench interface {
	StopTimer()
	StartTimer()
	ReportMetric(n float64, unit string)
	Logf(format string, args ...any)
}

// Record probes the placement (Bounce) with the benchmark's timer
// stopped, and returns a function that stops the timer, probes again and
// reports both round trips (UnitBefore, UnitAfter). Call it at the start
// of a burst, and the function it returns at the end:
//
//	defer placement.Record(b)()
//
// A probe that fails is logged and its metric left out.
func Record(b Bench) func() {
	b.StopTimer()
	before, err := Bounce()
	b.StartTimer()
	if err != nil {
		b.Logf("%v", err)
	}
	return func() {
		b.StopTimer()
		after, err := Bounce()
		if err != nil {
			b.Logf("%v", err)
			return
		}
		if before > 0 {
			b.ReportMetric(ns(before), UnitBefore)
		}
		b.ReportMetric(ns(after), UnitAfter)
	}
}

func ns(d time.Duration) float64 { return float64(d.Nanoseconds()) }

// Of names the placement of a burst whose probes took before and after:
// "near" or "far" when both fall on one side of Near, "mixed" when the
// placement changed during the burst.
func Of(before, after time.Duration) string {
	switch {
	case before < Near && after < Near:
		return "near"
	case before >= Near && after >= Near:
		return "far"
	}
	return "mixed"
}
