// Package futex wraps the Linux futex system call for words in shared
// memory. The futexes are shared (no FUTEX_PRIVATE_FLAG): the kernel keys the
// wait queue by the page's backing object and offset, so processes that map
// the same memfd meet on the same word.
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
// may return early for no reason: callers re-check their condition.
func Wait(addr *atomic.Uint32, val uint32, timeout time.Duration) {
	var ts *unix.Timespec
	if timeout > 0 {
		t := unix.NsecToTimespec(int64(timeout))
		ts = &t
	}
	unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(addr)), opWait,
		uintptr(val), uintptr(unsafe.Pointer(ts)), 0, 0)
}

// Wake wakes up to n sleepers on addr, in any process.
func Wake(addr *atomic.Uint32, n int) {
	unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(addr)), opWake,
		uintptr(n), 0, 0, 0)
}
