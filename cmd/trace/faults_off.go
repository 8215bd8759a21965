//go:build !shmrun_faults

package main

import (
	"github.com/shmrun/shmrun/cluster"
	"github.com/shmrun/shmrun/runtime"
)

// adjustPoolOptions changes nothing: only builds with the shmrun_faults tag
// let tests change the pool's options (faults_on.go).
func adjustPoolOptions(*runtime.Options) {}

// adjustClusterOptions changes nothing either.
func adjustClusterOptions(*cluster.Options) {}
