// Package compare turns the text output of `go test -bench`, repeated over
// several runs, into side-by-side comparisons of our benchmarks against
// their baselines: a median for each benchmark and unit, a confidence
// interval around it, and the ratio between two benchmarks with its spread
// and a p-value.
//
// # Basics
//
// [Parse] reads benchmark output (several runs concatenated, as `go test
// -count` or repeated invocations write it) into a [Set]. [Set.Summary]
// gives one benchmark's median and interval; [Compare] gives the ratio of
// two samples, oriented so that a ratio above 1 always means "ours is
// better" whatever the unit. A [Table] lays rows out as aligned text or as
// Markdown.
//
// The statistics are those of benchstat (golang.org/x/perf/benchmath with
// no distributional assumption: medians, order-statistic confidence
// intervals and the Mann-Whitney U test), so the figures agree with what
// `benchstat` prints for the same raw file.
//
// # Caveats
//
// A median's 95% confidence interval needs at least 6 runs; with fewer,
// [Summary] falls back to the minimum and maximum of the runs and says so
// in its Kind. The interval of a ratio is conservative: it divides the
// ends of the two intervals, which is wider than an exact interval of the
// ratio would be.
package compare
