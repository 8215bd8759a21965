//go:build !unix

package main

import "os/exec"

// ownProcessGroup does nothing where there are no process groups: a
// cancelled benchmark is killed alone.
func ownProcessGroup(*exec.Cmd) {}
