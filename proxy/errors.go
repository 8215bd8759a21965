package proxy

import (
	"context"
	"errors"
	"fmt"
)

var (
	// ErrUnknownObject is returned when no object is served under a name,
	// or when the object a proxy names was withdrawn.
	ErrUnknownObject = errors.New("proxy: unknown object")

	// ErrUnknownMethod is returned by a call to a method the object does
	// not have.
	ErrUnknownMethod = errors.New("proxy: unknown method")

	// ErrRemote is matched by every *RemoteError: the method ran and
	// returned an error, or panicked.
	ErrRemote = errors.New("proxy: method failed")

	// ErrPanic is matched by the *RemoteError of a method that panicked;
	// its home process lives on.
	ErrPanic = errors.New("proxy: method panicked")

	// ErrDeadline is returned when a call's deadline passes before its
	// reply comes; such an error matches context.DeadlineExceeded too.
	ErrDeadline = errors.New("proxy: deadline passed")

	// ErrHomeDied is returned by the calls pending on an object whose home
	// process died, at once, and by every later call through its proxy.
	ErrHomeDied = errors.New("proxy: home process died")

	// ErrBadArgument is returned when the home cannot decode a call's
	// argument, or the caller's argument and result types are not the
	// method's.
	ErrBadArgument = errors.New("proxy: bad argument")

	// ErrTooLarge is returned when a call or its reply does not fit in a
	// call slot (Options.MaxMessage bytes).
	ErrTooLarge = errors.New("proxy: message too large")

	// ErrMalformed is returned when a reply does not verify, or when the
	// home found the call's envelope malformed: a process wrote garbage.
	ErrMalformed = errors.New("proxy: malformed envelope")

	// ErrClosed is returned by calls on a hub that is closed.
	ErrClosed = errors.New("proxy: hub closed")

	// ErrExists is returned by Serve when the name is already served.
	ErrExists = errors.New("proxy: name already served")

	// ErrDirectoryFull is returned by Serve when every directory entry is
	// taken (Options.Objects).
	ErrDirectoryFull = errors.New("proxy: directory full")

	// ErrBadName is returned for an object name that is empty or longer
	// than 40 bytes.
	ErrBadName = errors.New("proxy: bad object name")

	// ErrNoHub is returned by Open in a process whose pool has no hub: the
	// master must call New first.
	ErrNoHub = errors.New("proxy: no hub in this pool")

	// ErrCorrupt is returned when the hub's shared memory holds what no
	// correct process writes.
	ErrCorrupt = errors.New("proxy: hub memory corrupt")
)

// errDeadline is what a call that ran out of time returns, wrapped with
// the object and method.
var errDeadline = fmt.Errorf("%w: %w", ErrDeadline, context.DeadlineExceeded)

// RemoteError is the error a method returned in its home process, carried
// back as text, or the panic it raised. It matches ErrRemote, ErrPanic
// for a panic, and context.Canceled or context.DeadlineExceeded for a
// method that returned its context's error.
type RemoteError struct {
	Object string
	Method string
	Msg    string
	Panic  bool
}

// Error names the object and the method, and says what went wrong.
func (e *RemoteError) Error() string {
	if e.Panic {
		return fmt.Sprintf("proxy: %s.%s panicked: %s", e.Object, e.Method, e.Msg)
	}
	return fmt.Sprintf("proxy: %s.%s: %s", e.Object, e.Method, e.Msg)
}

// Is matches ErrRemote, ErrPanic for a panic, and the context errors by
// their text (the text is all that crosses the process boundary).
func (e *RemoteError) Is(target error) bool {
	switch target {
	case ErrRemote:
		return true
	case ErrPanic:
		return e.Panic
	case context.Canceled, context.DeadlineExceeded:
		return !e.Panic && e.Msg == target.Error()
	}
	return false
}
