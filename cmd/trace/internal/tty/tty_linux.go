//go:build linux

package tty

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// IsTerminal reports whether fd refers to a terminal. It asks for the
// terminal attributes (TCGETS), which only a tty can answer.
func IsTerminal(fd uintptr) bool {
	_, err := unix.IoctlGetTermios(int(fd), unix.TCGETS)
	return err == nil
}

// Size returns the size in character cells of the terminal on fd. It fails
// with the ioctl's error (typically ENOTTY) when fd is not a terminal.
func Size(fd uintptr) (cols, rows int, err error) {
	ws, err := unix.IoctlGetWinsize(int(fd), unix.TIOCGWINSZ)
	if err != nil {
		return 0, 0, fmt.Errorf("tty: window size of fd %d: %w", fd, err)
	}
	return int(ws.Col), int(ws.Row), nil
}
