package compare_test

import (
	"bytes"
	"math"
	"testing"

	"github.com/shmrun/shmrun/internal/cmd/benchreport/compare"
)

// FuzzParse feeds Parse what a test binary might print (it is another
// process's output, torn by a crash or a timeout) and checks that every
// benchmark it keeps can be summarized, compared and tabled without a
// panic.
func FuzzParse(f *testing.F) {
	f.Add([]byte(twoRuns))
	f.Add([]byte("pkg: m/p\nBenchmarkA-2 1 5 ns/op 3 MB/s\nBenchmarkB/x=1-2 1 7 ns/op\n"))
	f.Add([]byte("BenchmarkNaN 1 NaN ns/op\nBenchmarkInf 1 +Inf ns/op\nBenchmarkNeg 1 -5 ns/op 0 p99-late-µs\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := compare.Parse(bytes.NewReader(data), "m")
		if err != nil {
			t.Fatalf("a bytes.Reader cannot fail: %v", err)
		}
		keys := s.Keys()
		var tbl compare.Table
		tbl.Header = []string{"benchmark", "unit", "median", "ratio"}
		for i, k := range keys {
			for _, unit := range s.Units(k) {
				v := s.Values(k, unit)
				if len(v) == 0 {
					t.Fatalf("%v %s: a unit without values", k, unit)
				}
				sum, err := s.Summary(k, unit)
				if err != nil || sum.N != len(v) {
					t.Fatalf("%v %s: summary %+v, %v", k, unit, sum, err)
				}
				if !math.IsNaN(sum.Median) && (sum.Median < sum.Lo || sum.Median > sum.Hi) {
					t.Fatalf("%v %s: median %v outside [%v, %v]", k, unit, sum.Median, sum.Lo, sum.Hi)
				}
				r, err := compare.Compare(v, s.Values(keys[(i+1)%len(keys)], unit), compare.Lower)
				ratio := "missing"
				if err == nil {
					ratio = r.String()
				}
				tbl.Append(k.String(), unit, compare.Format(sum.Median, unit), ratio)
			}
		}
		_ = tbl.Text() + tbl.Markdown()
	})
}
