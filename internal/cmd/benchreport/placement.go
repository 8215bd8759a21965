package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/shmrun/shmrun/internal/cmd/benchreport/compare"
	"github.com/shmrun/shmrun/internal/placement"
)

// The placements a result is filed under (see placementTag), in the order
// the report lists them.
var placements = []string{"near", "far", "mixed"}

// placementTag files a result whose benchmark probed the placement of the
// machine's two CPUs around its burst (internal/placement.Record) under
// "near", "far" or "mixed"; a result without both probes under none.
func placementTag(values map[string]float64) string {
	before, ok1 := values[placement.UnitBefore]
	after, ok2 := values[placement.UnitAfter]
	if !ok1 || !ok2 {
		return ""
	}
	return placement.Of(time.Duration(before), time.Duration(after))
}

// placed names benchmark name's results in one placement.
func placed(name, where string) string { return name + "@" + where }

// The probe's units once tidied (ns become sec).
const (
	probeBefore = "bounce-before-sec"
	probeAfter  = "bounce-after-sec"
)

// placementTable lists, for every benchmark that probed, how many of its
// runs fell in each placement and the median round trip of the probes
// before those runs.
func placementTable(set *compare.Set) *compare.Table {
	t := &compare.Table{Header: []string{"benchmark", "near runs", "far runs", "mixed runs", "probe near", "probe far"}}
	for _, k := range set.Keys() {
		if len(set.Values(k, probeBefore)) == 0 || isPlaced(k.Name) {
			continue
		}
		row := []string{k.String()}
		for _, where := range placements {
			row = append(row, fmt.Sprint(len(set.Values(compare.Key{Pkg: k.Pkg, Name: placed(k.Name, where)}, "sec/op"))))
		}
		for _, where := range placements[:2] {
			row = append(row, probeMedian(set, compare.Key{Pkg: k.Pkg, Name: placed(k.Name, where)}))
		}
		t.Append(row...)
	}
	if len(t.Rows) == 0 {
		return nil
	}
	return t
}

// probeMedian formats the median probe before k's runs, in ns.
func probeMedian(set *compare.Set, k compare.Key) string {
	s, err := set.Summary(k, probeBefore)
	if err != nil {
		return "none"
	}
	return fmt.Sprintf("%.0f ns", s.Median*1e9)
}

func isPlaced(name string) bool { return strings.Contains(name, "@") }
