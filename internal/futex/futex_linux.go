// Package futex wraps the Linux futex system call for words in shared
// memory. The futexes are shared (no FUTEX_PRIVATE_FLAG): the kernel keys the
// wait queue by the page's backing object and offset, so processes that map
// the same memfd meet on the same word.
//
// The Go scheduler must be told how long a system call may block, so there
// are two ways to sleep (see blocking_linux.go). Wait keeps the goroutine's
// P (its right to run Go code) through the sleep: waking costs no more than
// the system call, but the process's other goroutines get that P only when
// the runtime's monitor thread takes it back, 20 µs to 10 ms later. WaitLong
// and WaitV give the P up at once, for sleeps that may last while other
// goroutines have work; that costs a few microseconds of scheduler work.
package futex

import (
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Operations from linux/futex.h (x/sys/unix does not export them).
const (
	opWait = 0
	opWake = 1
)

// Wait sleeps while *addr == val, for at most timeout (0 = no limit). It
// may return early for no reason: callers re-check their condition. The
// goroutine keeps its P while it sleeps: use it where a peer usually ends
// the sleep within microseconds.
func Wait(addr *atomic.Uint32, val uint32, timeout time.Duration) {
	var ts *unix.Timespec
	if timeout > 0 {
		t := unix.NsecToTimespec(int64(timeout))
		ts = &t
	}
	unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(addr)), opWait,
		uintptr(val), uintptr(unsafe.Pointer(ts)), 0, 0)
}

// WaitLong is Wait for a sleep that may last while the process's other
// goroutines have work (a heartbeat, a join): the goroutine gives up its P
// for the sleep, as a read on a pipe does.
func WaitLong(addr *atomic.Uint32, val uint32, timeout time.Duration) {
	var ts *unix.Timespec
	if timeout > 0 {
		t := unix.NsecToTimespec(int64(timeout))
		ts = &t
	}
	blockingSyscall6(unix.SYS_FUTEX, unsafe.Pointer(addr), opWait, uintptr(val), unsafe.Pointer(ts), 0)
}

// Wake wakes up to n sleepers on addr, in any process. It never blocks.
func Wake(addr *atomic.Uint32, n int) {
	unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(addr)), opWake,
		uintptr(n), 0, 0, 0)
}
