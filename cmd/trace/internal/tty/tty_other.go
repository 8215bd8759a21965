//go:build !linux

package tty

import "os"

// IsTerminal reports false: terminal detection is implemented on Linux only.
func IsTerminal(fd uintptr) bool { return false }

// Size returns [ErrUnsupported]: it is implemented on Linux only.
func Size(fd uintptr) (cols, rows int, err error) { return 0, 0, ErrUnsupported }

// NotifyResize relays nothing: it is implemented on Linux only. stop does
// nothing.
func NotifyResize(c chan<- os.Signal) (stop func()) { return func() {} }
