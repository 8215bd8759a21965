//go:build race

package runtime

import (
	goruntime "runtime"
	"unsafe"
)

// The race detector cannot see ordering that travels through another
// process: a dispatcher reads a task, publishes it on a ring, a worker
// process answers, and the master's reader then finishes the task. These
// annotations tell it about that real happens-before edge.

func raceRelease(p unsafe.Pointer) { goruntime.RaceReleaseMerge(p) }
func raceAcquire(p unsafe.Pointer) { goruntime.RaceAcquire(p) }
