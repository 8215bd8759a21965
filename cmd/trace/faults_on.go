//go:build shmrun_faults

package main

import (
	"github.com/shmrun/shmrun/cluster"
	"github.com/shmrun/shmrun/runtime"
)

// adjustPool, in builds with the shmrun_faults tag (make test, make chaos),
// lets a chaos test change the pool's options (short heartbeats, more
// attempts, a garbage-writing worker); a plain build has no such hook.
var adjustPool func(*runtime.Options)

func adjustPoolOptions(o *runtime.Options) {
	if adjustPool != nil {
		adjustPool(o)
	}
}

// adjustCluster does the same for the cluster's options (a long
// HostTimeout, so that only hedging can save a frame from a stopped host).
var adjustCluster func(*cluster.Options)

func adjustClusterOptions(o *cluster.Options) {
	if adjustCluster != nil {
		adjustCluster(o)
	}
}
