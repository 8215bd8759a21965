//go:build !linux

package runtime

// allowedCPUs finds no CPUs to bind workers to: PinWorkers is a no-op
// where sched_setaffinity does not exist.
func allowedCPUs() ([]int, error) { return nil, nil }

func pinProcess(int) error { return nil }
