package main

import (
	"fmt"

	"github.com/shmrun/shmrun/internal/cmd/benchreport/compare"
	"github.com/shmrun/shmrun/internal/cmd/benchreport/scaling"
)

// The cluster benchmark's frame: 60 tiles, on a master of 2 workers and 3
// hosts of 2 (cluster.BenchmarkClusterFrames).
const clusterTasks, clusterLocal, clusterPerHost, clusterHosts = 60, 2, 2, 3

var (
	clusterAlone = key("cluster", "ClusterFrames/master-alone")
	clusterWith  = key("cluster", "ClusterFrames/hosts=3")
	hostNotice   = key("cluster", "HostLossNotice")
	sceneShare   = key("cmd/trace", "SceneDistribution")
)

// clusterHostCounts are the host counts the cluster model predicts, and
// clusterLinks the master's link bandwidths, in bytes per second: assumed,
// not measured (the benchmark's link is loopback).
var (
	clusterHostCounts = []int{3, 4, 8, 16}
	clusterLinks      = []struct {
		name string
		bw   float64
	}{{"1 Gbit/s", 125e6}, {"10 Gbit/s", 1.25e9}}
)

// clusterModel is the cluster model's inputs and predictions.
type clusterModel struct {
	c     scaling.Cluster
	preds [][]scaling.ClusterPrediction // per link, per host count
	err   error
}

func newClusterModel(set *compare.Set) clusterModel {
	var m clusterModel
	var errs [4]error
	m.c.T0, errs[0] = median(set, clusterAlone, "sec/op")
	m.c.T3, errs[1] = median(set, clusterWith, "sec/op")
	var us float64
	us, errs[2] = median(set, clusterWith, "master-µs/remote-task")
	m.c.TaskBytes, errs[3] = median(set, clusterWith, "link-B/remote-task")
	m.c.RemoteCPU = us / 1e6
	m.c.H3, m.c.Local, m.c.PerHost, m.c.Tasks = clusterHosts, clusterLocal, clusterPerHost, clusterTasks
	for _, err := range errs {
		if err != nil {
			m.err = err
			return m
		}
	}
	for _, link := range clusterLinks {
		c := m.c
		c.Link = link.bw
		var ps []scaling.ClusterPrediction
		for _, h := range clusterHostCounts {
			p, err := c.Predict(h)
			if err != nil {
				m.err = err
				return m
			}
			ps = append(ps, p)
		}
		m.preds = append(m.preds, ps)
	}
	return m
}

// writeClusterModel writes the cluster model's section of BENCHMARKS.md.
func (r *report) writeClusterModel(w func(string, ...any)) {
	w("### More than one machine: hosts over NATS\n\n")
	w("The same frame of 60 tiles on a master of %d workers and H hosts of %d, with the network's terms: ", clusterLocal, clusterPerHost)
	w("the master dispatches and takes back every remote tile on its own (c, its CPU per remote task, the embedded NATS server included), ")
	w("and every remote tile's job and answer cross the master's link (b bytes at BW). The overhead o per frame, ")
	w("measured with 3 hosts on loopback, is kept as it is; the link's bandwidth is an assumption, not a measurement.\n\n")
	w("    %s\n\n", scaling.ClusterFormula)
	m := newClusterModel(r.data)
	if m.err != nil {
		w("Missing: %v\n\n", m.err)
		return
	}
	t := &compare.Table{Header: []string{"input", "value", "from"}}
	t.Append("T0, frame, the master alone", compare.Format(m.c.T0, "sec/op"), "measured: "+clusterAlone.String())
	t.Append("T3, frame, 3 hosts", compare.Format(m.c.T3, "sec/op"), "measured: "+clusterWith.String())
	t.Append("c, master CPU per remote task", compare.Format(m.c.RemoteCPU, "sec/op"), "measured: "+clusterWith.String()+" master-µs/remote-task")
	t.Append("b, link bytes per remote task", compare.Format(m.c.TaskBytes, "B"), "measured: "+clusterWith.String()+" link-B/remote-task")
	t.Append("k, tiles per frame; L, w", fmt.Sprintf("%d; %d, %d", clusterTasks, clusterLocal, clusterPerHost), "the benchmark's frame and workers")
	w("%s\n", t.Markdown())
	p := &compare.Table{Header: []string{"hosts", "workers", "link", "frame", "speedup over the master alone", "set by"}}
	for i, link := range clusterLinks {
		for _, pr := range m.preds[i] {
			label := "PREDICTED"
			if pr.Hosts == clusterHosts {
				label = "fitted to the measurement"
			}
			p.Append(fmt.Sprint(pr.Hosts), fmt.Sprint(pr.Workers), link.name, compare.Format(pr.SecPerOp, "sec/op"),
				fmt.Sprintf("%.1fx (%s)", pr.Speedup, label), pr.Bound.String())
		}
	}
	w("%s\n", p.Markdown())
}

// clusterLine is the README's line on the cluster model.
func (r *report) clusterLine() string {
	m := newClusterModel(r.data)
	if m.err != nil || len(m.preds) == 0 {
		return ""
	}
	var h8, h16 scaling.ClusterPrediction
	for _, p := range m.preds[0] {
		switch p.Hosts {
		case 8:
			h8 = p
		case 16:
			h16 = p
		}
	}
	return fmt.Sprintf("- **Predicted, not measured**: hosts of 2 workers over a 1 Gbit/s link, %.1fx the master alone with 8 hosts, %.1fx with 16 (%s-bound), from the 3-host measurement and %s of the master's CPU per remote tile.\n",
		h8.Speedup, h16.Speedup, h16.Bound, compare.Format(m.c.RemoteCPU, "sec/op"))
}
