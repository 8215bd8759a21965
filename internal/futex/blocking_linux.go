package futex

import (
	"syscall"
	"unsafe"
)

// The Go runtime's system call entry for calls that block. syscall.Syscall
// uses entersyscall instead, which assumes a short call: the goroutine's P
// stays reserved for it, and another goroutine of the process gets that P
// only when the runtime's monitor thread (sysmon) takes it back, which it
// checks every 20 µs to 10 ms depending on how idle it has been. In a
// worker process with GOMAXPROCS=1, a goroutine that sleeps on a futex that
// way (the heartbeat, say) keeps the kernel goroutine off the CPU for
// milliseconds at every wake-up: measured, it halved a CPU-bound loop's
// throughput (BenchmarkNeighbour). entersyscallblock hands the P to another
// goroutine at once, as the runtime does for its own blocking calls. It is
// not free: when no other thread is idle, it starts one to look for work
// (or, if the P is the last one running, to wait on the network poller),
// and waking that thread costs microseconds; hence Wait for the short
// sleeps of a request/response.
//
// The runtime keeps both symbols reachable by linkname for this purpose
// (go.dev/issue/67401; gVisor does the same).

//go:linkname entersyscallblock runtime.entersyscallblock
func entersyscallblock()

//go:linkname exitsyscall runtime.exitsyscall
func exitsyscall()

// blockingSyscall6 makes a system call that may block for long, with the
// goroutine's P given up for its duration. p1 and p2 are pointer arguments,
// kept alive by the call. Between entersyscallblock and exitsyscall nothing
// may grow the stack or touch the P, hence nosplit and the raw call.
//
//go:nosplit
func blockingSyscall6(trap uintptr, p1 unsafe.Pointer, a2, a3 uintptr, p4 unsafe.Pointer, a5 uintptr) syscall.Errno {
	entersyscallblock()
	_, _, errno := syscall.RawSyscall6(trap, uintptr(p1), a2, a3, uintptr(p4), a5, 0)
	exitsyscall()
	return errno
}
