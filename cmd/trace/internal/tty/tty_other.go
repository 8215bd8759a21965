//go:build !linux

package tty

// IsTerminal reports false: terminal detection is implemented on Linux only.
func IsTerminal(fd uintptr) bool { return false }

// Size returns [ErrUnsupported]: it is implemented on Linux only.
func Size(fd uintptr) (cols, rows int, err error) { return 0, 0, ErrUnsupported }
