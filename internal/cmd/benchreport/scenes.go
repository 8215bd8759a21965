package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/shmrun/shmrun/internal/cmd/benchreport/compare"
)

// sceneNames lists the scenes cmd/trace's BenchmarkScenes reported, in the
// order they appeared ("Scenes/<scene>/<mode>").
func sceneNames(set *compare.Set) []string {
	var names []string
	for _, k := range set.Keys() {
		rest, ok := strings.CutPrefix(k.Name, "Scenes/")
		if !ok || k.Pkg != "cmd/trace" {
			continue
		}
		if name, _, ok := strings.Cut(rest, "/"); ok && !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	return names
}

// sceneTable reports rays per second per core for each scene, processes
// against goroutines (#5 asks for the figure per scene); nil when
// BenchmarkScenes reported nothing.
func sceneTable(set *compare.Set) *compare.Table {
	names := sceneNames(set)
	if len(names) == 0 {
		return nil
	}
	t := &compare.Table{Header: []string{"scene", "Mrays/s per core, processes", "goroutines", "processes vs goroutines", "p",
		"Mrays per busy core-second, processes", "goroutines"}}
	for _, name := range names {
		procs, gors := key("cmd/trace", "Scenes/"+name+"/processes"), key("cmd/trace", "Scenes/"+name+"/goroutines")
		ratio, p := "missing", ""
		if r, err := compare.Compare(set.Values(procs, "Mrays/s/core"), set.Values(gors, "Mrays/s/core"), compare.Higher); err == nil {
			ratio, p = compare.FormatRatio(r.Center), fmt.Sprintf("%.3f", r.P)
		}
		t.Append(name, number(set, procs, "Mrays/s/core"), number(set, gors, "Mrays/s/core"), ratio, p,
			number(set, procs, "Mrays/busy-s"), number(set, gors, "Mrays/busy-s"))
	}
	return t
}

// number is side without the unit, for a column that names it.
func number(set *compare.Set, k compare.Key, unit string) string {
	return strings.TrimSuffix(side(set, k, unit), " "+unit)
}
