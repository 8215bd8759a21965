package main

import (
	"fmt"

	"github.com/shmrun/shmrun/internal/cmd/benchreport/compare"
)

// A pair is one comparison of ours against a baseline: the single place
// where the report's comparisons, and the targets the issues set for them,
// are defined.
type pair struct {
	title      string
	ours, base compare.Key
	unit       string
	better     compare.Better
	// target is the least ratio that meets the target; 0: none.
	target float64
	// targetText states the target as the issue does.
	targetText string
	// headline puts the pair in the README's Benchmarks section.
	headline bool
}

func key(pkg, name string) compare.Key { return compare.Key{Pkg: pkg, Name: name} }

var pairs = append(append(append(append(placedPairs(), []pair{
	{title: "ring loopback: one goroutine at both ends of the ring vs of the fixed-slot limit",
		ours: key("ring", "Loopback/ring"), base: key("ring", "Loopback/limit-fixed-slots"),
		unit: "sec/op"},
	{title: "ring throughput: MPMC queue across processes vs Go channel",
		ours: key("ring", "Throughput/mpmc-cross-process"), base: key("ring", "Throughput/chan-in-process"),
		unit: "sec/op"},
	{title: "round trip: ring, spinning vs two cache lines bounced",
		ours: key("ring", "RoundTrip/ring-spin"), base: key("ring", "RoundTrip/atomic-2lines"),
		unit: "sec/op"},
	{title: "round trip: ring, spinning vs the fastest protocol found (one-line slots with a sequence word)",
		ours: key("ring", "RoundTrip/ring-spin"), base: key("ring", "RoundTrip/limit-seq-slots"),
		unit: "sec/op"},
	{title: "round trip: ring, futex sleep vs unix socket", headline: true,
		ours: key("ring", "RoundTrip/ring-futex"), base: key("ring", "RoundTrip/unix-socket"),
		unit: "sec/op", target: 1, targetText: "faster: > 1x (#2, #16)"},
	{title: "call: proxy vs net/rpc over a unix socket", headline: true,
		ours: key("proxy", "Call/proxy"), base: key("proxy", "Call/net-rpc-unix"),
		unit: "sec/op", target: 10, targetText: "≥ 10x (#4)"},
	{title: "dispatch: map over worker processes vs goroutine pool", headline: true,
		ours: key("runtime", "Dispatch/processes"), base: key("runtime", "Dispatch/goroutines"),
		unit: "sec/op", target: 1, targetText: "≥ 1.0x (#3)"},
	{title: "dispatch: one item per task vs goroutine pool",
		ours: key("runtime", "Dispatch/processes-chunk1"), base: key("runtime", "Dispatch/goroutines"),
		unit: "sec/op"},
	{title: "GC isolation: master's p99 wake-up lateness, processes vs goroutines", headline: true,
		ours: key("runtime", "GCIsolation/processes"), base: key("runtime", "GCIsolation/goroutines"),
		unit: "p99-late-µs"},
	{title: "GC isolation: master's worst wake-up lateness, processes vs goroutines",
		ours: key("runtime", "GCIsolation/processes"), base: key("runtime", "GCIsolation/goroutines"),
		unit: "max-late-µs"},
}...), modePairs()...), scalingPairs()...), clusterPairs...)

// clusterPairs compare a master with three hosts of two workers against
// the master alone (two workers): ideally 4x.
var clusterPairs = []pair{
	{title: "cluster: master + 3 hosts of 2 workers vs the master alone, 60 sleeping tiles a frame, 3 frames in flight", headline: true,
		ours: key("cluster", "ClusterFrames/hosts=3"), base: key("cluster", "ClusterFrames/master-alone"),
		unit: "frames/s", better: compare.Higher, target: 3.4, targetText: "≥ 3.4x, 85% of ideal (#14)"},
	{title: "cluster: the same, one frame at a time (each frame's tail paid)",
		ours: key("cluster", "ClusterFrames/hosts=3/sequential"), base: key("cluster", "ClusterFrames/master-alone"),
		unit: "frames/s", better: compare.Higher},
}

// placedPairs are the comparisons between processes that issue 16 asks to
// make within one placement of the two CPUs: each in the near placement,
// with the target, and in the far one, without.
func placedPairs() []pair {
	type placedPair struct {
		title, pkg, ours, base string
		target                 float64
		targetText             string
	}
	var ps []pair
	for _, p := range []placedPair{
		{"ring throughput: SPSC ring across processes vs Go channel", "ring", "Throughput/ring-cross-process", "Throughput/chan-in-process", 3, "≥ 3x (#2, #16)"},
		{"ring throughput: SPSC ring vs the fixed-slot limit, both across processes", "ring", "Throughput/ring-cross-process", "Throughput/limit-fixed-slots", 0.8, "≥ 0.8x (#16)"},
		{"round trip: ring, spinning vs the atomic limit", "ring", "RoundTrip/ring-spin", "RoundTrip/atomic-limit", 1 / 1.5, "within 1.5x: ≥ 0.67x (#2, #16)"},
		{"dispatch: map over worker processes vs a naive os/exec pool fed gob over pipes", "runtime", "Dispatch/processes", "Dispatch/exec-gob", 1, "faster: > 1x (#16)"},
	} {
		for _, where := range placements[:2] {
			q := pair{title: p.title + ", " + where + " placement", unit: "sec/op",
				ours: key(p.pkg, placed(p.ours, where)), base: key(p.pkg, placed(p.base, where))}
			if where == "near" {
				q.target, q.targetText, q.headline = p.target, p.targetText, true
			}
			ps = append(ps, q)
		}
	}
	return ps
}

// modePairs compares processes with goroutines at each worker count, for
// the CPU-bound map and the render.
func modePairs() []pair {
	var ps []pair
	for _, w := range []int{1, 2} {
		ps = append(ps, pair{title: fmt.Sprintf("map, CPU-bound, %s: processes vs goroutines", workersText(w)), headline: w == 2,
			ours: key("runtime", fmt.Sprintf("Map/processes/workers=%d", w)), base: key("runtime", fmt.Sprintf("Map/goroutines/workers=%d", w)),
			unit: "sec/op", target: 0.97, targetText: "≥ 0.97x (#3)"})
	}
	for _, w := range []int{1, 2} {
		ps = append(ps, pair{title: fmt.Sprintf("render, %s: processes vs goroutines", workersText(w)), headline: w == 2,
			ours: key("cmd/trace", fmt.Sprintf("Render/processes/workers=%d", w)), base: key("cmd/trace", fmt.Sprintf("Render/goroutines/workers=%d", w)),
			unit: "frames/s", better: compare.Higher, target: 0.97, targetText: "≥ 0.97x (#5)"})
	}
	return ps
}

func workersText(n int) string {
	if n == 1 {
		return "1 worker"
	}
	return fmt.Sprintf("%d workers", n)
}

// scalingPairs compare 2 workers with 1 in each mode: ours is 2 workers,
// the baseline 1.
func scalingPairs() []pair {
	var ps []pair
	for _, mode := range []string{"processes", "goroutines"} {
		p := pair{title: "scaling, map: 2 workers vs 1, " + mode, headline: mode == "processes",
			ours: key("runtime", "Map/"+mode+"/workers=2"), base: key("runtime", "Map/"+mode+"/workers=1"), unit: "sec/op"}
		r := pair{title: "scaling, render: 2 workers vs 1, " + mode, headline: mode == "processes",
			ours: key("cmd/trace", "Render/"+mode+"/workers=2"), base: key("cmd/trace", "Render/"+mode+"/workers=1"),
			unit: "frames/s", better: compare.Higher}
		if mode == "processes" {
			p.target, p.targetText = 1.9, "≥ 1.9x (#3)"
			r.target, r.targetText = 1.9, "≥ 1.9x (#5)"
		}
		ps = append(ps, p, r)
	}
	return ps
}

// A check is a target on one benchmark alone: at most max in unit.
type check struct {
	title      string
	k          compare.Key
	unit       string
	max        float64
	targetText string
}

var checks = []check{
	{"dispatch allocates nothing in steady state", key("runtime", "Dispatch/processes"), "allocs/op", 0, "0 allocs/op (#3)"},
	{"a proxy call allocates nothing in steady state", key("proxy", "Call/proxy"), "allocs/op", 0, "0 allocs/op (#4)"},
	{"a SIGKILLed worker is noticed (median)", key("runtime", "CrashNotice"), "notice-ms", 10, "< 10 ms (#3)"},
	{"a SIGKILLed host is noticed by its connection closing (median)", key("cluster", "HostLossNotice"), "notice-ms", 16, "2-16 ms (#14)"},
}
