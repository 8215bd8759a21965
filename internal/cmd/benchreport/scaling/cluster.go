package scaling

import (
	"fmt"
	"math"
)

// ClusterFormula is the cluster model in one line, for reports.
const ClusterFormula = "T(H) = max( W/N + o, r·c, r·b/BW ),  N = L + H·w,  r = k·H·w/N,  W = L·T0,  o = T3 − W/N3,  speedup(H) = T0/T(H)"

// A Cluster is what the model knows of a frame-like workload spread over a
// master's L local workers and H hosts of w workers each: the frame time
// T0 of the master alone (its L workers busy throughout, so a frame holds
// W = L·T0 of work), the frame time T3 measured with H3 hosts (whose gap
// to W/N3 is the per-frame overhead o: the network's round trips, the
// tail), the master's CPU per remote task c (a master dispatches and takes
// back every remote task on its own), the tasks per frame k (r of them
// remote, in proportion to the hosts' workers) and the bytes b a remote
// task moves over the master's link (its job out, its answer back),
// against that link's bandwidth BW.
type Cluster struct {
	T0, T3         float64 // seconds per frame: the master alone, and with H3 hosts
	H3             int
	Local, PerHost int     // L and w
	Tasks          float64 // k
	RemoteCPU      float64 // c, seconds of the master's CPU per remote task
	TaskBytes      float64 // b
	Link           float64 // BW, bytes per second
}

// ClusterBound names the term that sets a cluster prediction.
type ClusterBound int

const (
	// Work: the frame's work spread over every worker, plus the overhead.
	Work ClusterBound = iota
	// MasterCPU: the master cannot dispatch and take back remote tasks faster.
	MasterCPU
	// Link: the master's link cannot carry the frame's bytes faster.
	Link
)

// String returns "work", "master CPU" or "link".
func (b ClusterBound) String() string { return [...]string{"work", "master CPU", "link"}[b] }

// ClusterPrediction is the model's figure for one number of hosts.
type ClusterPrediction struct {
	Hosts, Workers int // hosts, and every worker with the master's
	SecPerOp       float64
	Speedup        float64 // over the master alone: T0 / SecPerOp
	Bound          ClusterBound
}

// Predict returns the model's figure for h hosts. It wraps ErrBadInput for
// a missing or impossible input.
func (c Cluster) Predict(h int) (ClusterPrediction, error) {
	ok := c.T0 > 0 && c.T3 > 0 && c.H3 > 0 && c.Local > 0 && c.PerHost > 0 && c.Tasks > 0 &&
		c.RemoteCPU >= 0 && c.TaskBytes >= 0 && c.Link > 0 && h >= 0 && !math.IsInf(c.T0+c.T3, 0)
	if !ok {
		return ClusterPrediction{}, fmt.Errorf("%w: %d hosts, %+v", ErrBadInput, h, c)
	}
	work := float64(c.Local) * c.T0
	overhead := max(0, c.T3-work/float64(c.Local+c.H3*c.PerHost))
	n := c.Local + h*c.PerHost
	p := ClusterPrediction{Hosts: h, Workers: n, SecPerOp: work / float64(n), Bound: Work}
	if h > 0 {
		p.SecPerOp += overhead
	}
	remote := c.Tasks * float64(h*c.PerHost) / float64(n)
	if t := remote * c.RemoteCPU; t > p.SecPerOp {
		p.SecPerOp, p.Bound = t, MasterCPU
	}
	if t := remote * c.TaskBytes / c.Link; t > p.SecPerOp {
		p.SecPerOp, p.Bound = t, Link
	}
	p.Speedup = c.T0 / p.SecPerOp
	return p, nil
}
