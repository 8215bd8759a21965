package futex

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// MaxWaitV is the most words one WaitV call can watch (a kernel limit).
const MaxWaitV = 128

// waitv is struct futex_waitv from linux/futex.h.
type waitv struct {
	val   uint64
	uaddr uint64
	flags uint32
	_     uint32
}

// futex2SizeU32 marks a 32-bit futex; without FUTEX2_PRIVATE it is shared
// between processes.
const futex2SizeU32 = 0x02

// WaitV sleeps until one of the words no longer holds its value or is
// woken, or timeout passes (0 = no limit); it may return early for no
// reason. It returns errors.ErrUnsupported on kernels before 5.16, which
// lack futex_waitv. Like WaitLong, it gives up the goroutine's P while it
// sleeps: a select may wait for long.
func WaitV(words []*atomic.Uint32, vals []uint32, timeout time.Duration) error {
	n := len(words)
	if n == 0 || n > MaxWaitV || len(vals) != n {
		return fmt.Errorf("futex: WaitV on %d words", n)
	}
	var vs [MaxWaitV]waitv
	for i, w := range words {
		vs[i] = waitv{val: uint64(vals[i]), uaddr: uint64(uintptr(unsafe.Pointer(w))), flags: futex2SizeU32}
	}
	var ts *unix.Timespec
	if timeout > 0 {
		var now unix.Timespec
		unix.ClockGettime(unix.CLOCK_MONOTONIC, &now)
		t := unix.NsecToTimespec(now.Nano() + int64(timeout)) // futex_waitv takes an absolute time
		ts = &t
	}
	e := blockingSyscall6(unix.SYS_FUTEX_WAITV, unsafe.Pointer(&vs[0]), uintptr(n), 0,
		unsafe.Pointer(ts), uintptr(unix.CLOCK_MONOTONIC))
	if e == unix.ENOSYS {
		return errors.ErrUnsupported
	}
	return nil
}
