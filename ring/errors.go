package ring

import "errors"

var (
	// ErrClosed is returned once a ring or queue is closed: by the producer
	// at once, and by the consumer after it has drained what was committed
	// before the close.
	ErrClosed = errors.New("ring: closed")

	// ErrCorrupt is returned when shared memory holds something a correct
	// peer would never write (a bad frame header, an index out of range).
	// The ring stays broken afterwards; every call returns the error again.
	ErrCorrupt = errors.New("ring: corrupt shared state")

	// ErrTooLarge is returned for a message longer than the ring or queue can
	// carry (MaxFrame for an SPSC ring, the slot size for an MPMC queue).
	ErrTooLarge = errors.New("ring: message too large")

	// ErrBadLayout is returned by the Init and Open functions for a region
	// that is too small or was not formatted as the expected kind of ring.
	ErrBadLayout = errors.New("ring: bad layout")
)
