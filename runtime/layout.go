package runtime

import "fmt"

// The master names each worker's regions by its index; a replacement
// worker reuses them after they are reset.
func submitName(w int) string   { return fmt.Sprintf("shmrun.w%d.submit", w) }
func completeName(w int) string { return fmt.Sprintf("shmrun.w%d.complete", w) }
func controlName(w int) string  { return fmt.Sprintf("shmrun.w%d.control", w) }

// Environment variables and inherited descriptors of a worker process.
const (
	envWorker = "SHMRUN_WORKER" // the worker's index; its presence makes Main run a worker
	envSpin   = "SHMRUN_SPIN"   // ring spin, in nanoseconds
	envBuild  = "SHMRUN_BUILD"  // the master's build hash, for diagnostics
	envCPU    = "SHMRUN_CPU"    // with PinWorkers, the CPU the worker binds itself to
	fdArena   = 3               // ExtraFiles[0]: the arena memfd
	fdLive    = 4               // ExtraFiles[1]: read end of the liveness pipe
)

// Worker exit statuses that mean something to the master.
const (
	exitOK       = 0
	exitOrphaned = 3 // the master went away
	exitSetup    = 4 // could not attach, open rings or say hello
	exitProtocol = 5 // the master sent something unreadable
)
