package runtime

import (
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrClosed is returned by calls on a pool that is closing or closed,
	// and by a Future whose pool closed before its task ran.
	ErrClosed = errors.New("shmrun: pool closed")

	// ErrWorkerCrashed is matched (with errors.Is) by the *CrashError of a
	// task that killed its worker on every allowed attempt.
	ErrWorkerCrashed = errors.New("shmrun: worker crashed")

	// ErrKernelPanic is matched by the error of a task whose kernel
	// panicked; the worker survives a panic.
	ErrKernelPanic = errors.New("shmrun: kernel panicked")

	// ErrCancelled is returned by a Future's Wait after Cancel.
	ErrCancelled = errors.New("shmrun: task cancelled")

	// ErrSpent is returned by a Future that already delivered its result.
	ErrSpent = errors.New("shmrun: future already waited")

	// ErrInWorker is returned by Start in a process that a master started
	// as a worker: the program did not call Main first thing in main (or
	// in TestMain), so the worker runs the program instead of tasks. A
	// worker never starts workers of its own; without this check every
	// worker would start a pool, and every process of it another.
	ErrInWorker = errors.New("shmrun: Start called in a worker process: call runtime.Main() first thing in main, and in TestMain")

	// ErrHandshake is returned by Start when a worker does not come up
	// speaking the same protocol, build and kernel table as the master.
	ErrHandshake = errors.New("shmrun: worker handshake failed")

	// ErrProtocol describes a worker that wrote something a correct worker
	// never writes; the master kills and replaces such a worker.
	ErrProtocol = errors.New("shmrun: worker protocol violation")

	// ErrTooLarge is returned when a task's encoded arguments or a result
	// do not fit in a ring frame; put bulk data in an arena region and pass
	// its offset and length instead.
	ErrTooLarge = errors.New("shmrun: message too large for a ring frame")
)

// KernelError is the error a kernel returned or the panic it raised,
// carried back from the worker: the message crosses the process boundary,
// and so does whether the kernel panicked or gave up because its context
// ended.
type KernelError struct {
	Kernel string
	Msg    string // the error's text, or the panic's value
	Panic  bool
	// Stack is the worker's stack where the kernel panicked (up to 4 KiB);
	// empty unless Panic.
	Stack string
	// Cause is context.DeadlineExceeded or context.Canceled when the
	// kernel returned an error matching it (its context ended), else nil.
	Cause error
}

// Error is one line: the kernel's name and the error's text or the
// panic's value, line breaks folded. The stack stays in Stack.
func (e *KernelError) Error() string {
	msg := strings.ReplaceAll(strings.TrimRight(e.Msg, "\n"), "\n", " ")
	if e.Panic {
		return fmt.Sprintf("kernel %s panicked: %s", e.Kernel, msg)
	}
	return fmt.Sprintf("kernel %s: %s", e.Kernel, msg)
}

// Unwrap lets errors.Is(err, ErrKernelPanic) match a panic, and
// context.Canceled or context.DeadlineExceeded match a kernel that returned
// its context's error.
func (e *KernelError) Unwrap() error {
	if e.Panic {
		return ErrKernelPanic
	}
	return e.Cause
}

// CrashError reports a task that was running each time its worker died,
// as many times as Options.MaxAttempts allows. It matches ErrWorkerCrashed.
type CrashError struct {
	Task     uint64
	Kernel   string
	Attempts int
	Exit     WorkerExit // how the last worker it ran on ended
	Stderr   []string   // that worker's last lines of output before it died
}

func (e *CrashError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "task %d (kernel %s) crashed its worker %d times; last: worker %d (pid %d) %v",
		e.Task, e.Kernel, e.Attempts, e.Exit.Worker, e.Exit.PID, e.Exit)
	if len(e.Stderr) > 0 {
		fmt.Fprintf(&b, "; last output: %s", strings.Join(e.Stderr, " | "))
	}
	return b.String()
}

// Is matches ErrWorkerCrashed.
func (e *CrashError) Is(target error) bool { return target == ErrWorkerCrashed }

// ItemError is one failed item of a Map that continues on errors.
type ItemError struct {
	Index int
	Err   error
}

func (e *ItemError) Error() string { return fmt.Sprintf("item %d: %v", e.Index, e.Err) }

// Unwrap returns the item's error.
func (e *ItemError) Unwrap() error { return e.Err }
