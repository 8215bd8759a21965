package compare_test

import (
	"fmt"
	"strings"

	"github.com/shmrun/shmrun/internal/cmd/benchreport/compare"
)

// Example parses three runs of a benchmark and its baseline, then prints
// how many times faster ours is, with the spread over the runs.
func Example() {
	// 1. The raw output of `go test -bench . -count 3`.
	out := `pkg: example.com/m/ring
BenchmarkThroughput/ring-2 1000000 100 ns/op
BenchmarkThroughput/ring-2 1000000 105 ns/op
BenchmarkThroughput/ring-2 1000000  95 ns/op
BenchmarkThroughput/chan-2 1000000 300 ns/op
BenchmarkThroughput/chan-2 1000000 290 ns/op
BenchmarkThroughput/chan-2 1000000 310 ns/op
`
	set, err := compare.Parse(strings.NewReader(out), "example.com/m")
	if err != nil {
		fmt.Println(err)
		return
	}

	// 2. A ratio above 1 means ours is better: here, faster per op.
	ours := set.Values(compare.Key{Pkg: "ring", Name: "Throughput/ring"}, "sec/op")
	base := set.Values(compare.Key{Pkg: "ring", Name: "Throughput/chan"}, "sec/op")
	r, err := compare.Compare(ours, base, compare.Lower)
	if err != nil {
		fmt.Println(err)
		return
	}

	// 3. Three runs are too few for a confidence interval: the spread is
	// the runs' minimum and maximum.
	t := compare.Table{Header: []string{"ours", "baseline", "ratio", "spread"}}
	t.Append(compare.Format(r.Ours.Median, "sec/op"), compare.Format(r.Base.Median, "sec/op"), r.String(), r.Interval.String())
	fmt.Print(t.Text())
	// Output:
	// ours     baseline  ratio                        spread
	// 100.0ns  300.0ns   3.00x [2.76x-3.26x] p=0.100  min-max
}
