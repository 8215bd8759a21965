// Package tty answers the questions the trace CLI asks about a terminal: is
// this file descriptor a terminal, how big is it, and when does that change.
//
// # Basics
//
// [IsTerminal] decides whether decorations such as a progress bar are worth
// drawing; [Size] tells a live preview how many character cells it may use.
// Both are single ioctl system calls, cheap enough to ask once per redraw.
// [NotifyResize] relays the window-size changes (SIGWINCH), so that a
// preview can redraw at the new size at once rather than at the next frame.
//
// # Caveats
//
// Only Linux is implemented. Elsewhere IsTerminal reports false, Size
// returns [ErrUnsupported] and NotifyResize relays nothing, so callers fall
// back to plain output.
package tty

import "errors"

// ErrUnsupported is returned by [Size] on platforms where the window size
// cannot be queried.
var ErrUnsupported = errors.New("tty: unsupported platform")

// FallbackCols and FallbackRows are the conventional terminal size that
// callers use when [Size] fails, for example when output is redirected.
const (
	FallbackCols = 80
	FallbackRows = 24
)

// SizeOr returns the size of the terminal on fd, or FallbackCols x
// FallbackRows when it cannot be determined or is reported as zero (as some
// serial consoles and CI pseudo-terminals do).
func SizeOr(fd uintptr) (cols, rows int) {
	cols, rows, err := Size(fd)
	if err != nil || cols <= 0 || rows <= 0 {
		return FallbackCols, FallbackRows
	}
	return cols, rows
}
