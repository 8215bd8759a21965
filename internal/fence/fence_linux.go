package fence

import (
	"fmt"
	"sync"

	"golang.org/x/sys/unix"
)

// membarrier commands (linux/membarrier.h).
const (
	cmdQuery                   = 0
	cmdGlobalExpedited         = 1 << 1
	cmdRegisterGlobalExpedited = 1 << 2
	needed                     = cmdGlobalExpedited | cmdRegisterGlobalExpedited
)

var register = sync.OnceValue(func() error {
	got, err := membarrier(cmdQuery)
	if err != nil {
		return fmt.Errorf("fence: membarrier query: %w", err)
	}
	if got&needed != needed {
		return fmt.Errorf("fence: membarrier lacks the global expedited command (commands %#x)", got)
	}
	if _, err := membarrier(cmdRegisterGlobalExpedited); err != nil {
		return fmt.Errorf("fence: membarrier register: %w", err)
	}
	return nil
})

// Register registers the calling process for Heavy, once per process
// (later calls return the first call's result), and reports an error if
// the kernel does not offer the fence: then the process must keep full
// fences on its fast paths. Any goroutine may call it.
func Register() error { return register() }

// Heavy executes a full memory fence on every CPU that is running a
// thread of a process that registered (Register), the caller's included,
// and returns once all have. The calling process must have registered:
// Heavy panics otherwise, since a handshake that relied on it would lose
// its ordering silently.
func Heavy() {
	if err := register(); err != nil {
		panic(err)
	}
	if _, err := membarrier(cmdGlobalExpedited); err != nil {
		panic(fmt.Errorf("fence: membarrier: %w", err)) // the kernel accepted the registration
	}
}

func membarrier(cmd uintptr) (uintptr, error) {
	r, _, errno := unix.Syscall(unix.SYS_MEMBARRIER, cmd, 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return r, nil
}
