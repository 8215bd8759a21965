package output

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Limits on frame sizes accepted by [ParseSize] and [Open]: large enough for
// any screen, small enough that a typo cannot ask for gigabytes of shared
// memory.
const (
	MaxSide   = 16384
	MaxPixels = 64 << 20
)

// ErrSize is returned by ParseSize for a malformed or absurd size.
var ErrSize = errors.New("bad size")

// ParseSize parses a frame size written WIDTHxHEIGHT, such as "640x360"
// (the separator may also be 'X'; surrounding spaces are ignored). It rejects
// sides that are not positive decimal integers, sides over [MaxSide] and
// areas over [MaxPixels], with an error wrapping [ErrSize] that quotes s.
func ParseSize(s string) (w, h int, err error) {
	t := strings.TrimSpace(s)
	i := strings.IndexAny(t, "xX")
	if i < 0 {
		return 0, 0, fmt.Errorf("%w %q: want WIDTHxHEIGHT, e.g. 640x360", ErrSize, s)
	}
	if w, err = parseSide(t[:i]); err == nil {
		h, err = parseSide(t[i+1:])
	}
	if err != nil {
		return 0, 0, fmt.Errorf("%w %q: %w", ErrSize, s, err)
	}
	if w*h > MaxPixels {
		return 0, 0, fmt.Errorf("%w %q: %d pixels, more than %d", ErrSize, s, w*h, MaxPixels)
	}
	return w, h, nil
}

// parseSide parses one side: digits only, 1..MaxSide.
func parseSide(s string) (int, error) {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, fmt.Errorf("side %q is not a positive integer", s)
	}
	n, err := strconv.Atoi(s)
	if err != nil || n > MaxSide { // only digits are left, so err means out of range
		return 0, fmt.Errorf("side %s is over %d", s, MaxSide)
	}
	if n < 1 {
		return 0, fmt.Errorf("side %d is not in 1..%d", n, MaxSide)
	}
	return n, nil
}
