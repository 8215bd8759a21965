//go:build !shmrun_faults

package main

import "github.com/shmrun/shmrun/runtime"

// adjustPoolOptions changes nothing: only builds with the shmrun_faults tag
// let tests change the pool's options (faults_on.go).
func adjustPoolOptions(*runtime.Options) {}
