//go:build linux

package tty

import (
	"fmt"
	"os"
	"os/signal"

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

// NotifyResize relays every change of the controlling terminal's window size
// (the signal SIGWINCH) to c, as signal.Notify does: it never blocks, so a
// change arriving while c is full is dropped, which a redraw at the newest
// size makes harmless. stop ends the relaying.
func NotifyResize(c chan<- os.Signal) (stop func()) {
	signal.Notify(c, unix.SIGWINCH)
	return func() { signal.Stop(c) }
}
