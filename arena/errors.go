package arena

import "errors"

var (
	// ErrNoSpace is returned by Alloc when the arena has no room left for the
	// region, or when its region directory is full.
	ErrNoSpace = errors.New("arena: no space left")

	// ErrBadHeader is returned by Attach when the arena header is not one this
	// package wrote (wrong magic), is inconsistent with the mapping (size
	// mismatch, directory past the end), or is otherwise corrupt.
	ErrBadHeader = errors.New("arena: bad header")

	// ErrVersion is returned by Attach when the arena was laid out by a newer
	// version of this package than the one attaching.
	ErrVersion = errors.New("arena: unsupported layout version")

	// ErrNotSealed is returned by Attach when the file is not sealed against
	// shrinking and growing: another process could then truncate it and make
	// every reader fault.
	ErrNotSealed = errors.New("arena: file not sealed against resizing")

	// ErrNotFound is returned by Region when no region has the given name.
	ErrNotFound = errors.New("arena: region not found")

	// ErrExists is returned by Alloc when a region with the name exists.
	ErrExists = errors.New("arena: region exists")

	// ErrNotOwner is returned by Alloc and Repair in a process that attached
	// to the arena instead of creating it: only the creator allocates, and
	// only it holds the private directory a repair restores.
	ErrNotOwner = errors.New("arena: only the creator allocates")

	// ErrBadRegion is returned when a directory entry, an offset or a length
	// read from shared memory does not describe memory inside the arena.
	ErrBadRegion = errors.New("arena: bad region")

	// ErrNotPrivate is returned by AttachNamed when the named file is not
	// private to this user: not a regular file, owned by another user, or
	// open to group or others. Another user could have made it, or could
	// read and write it.
	ErrNotPrivate = errors.New("arena: named arena is not private to this user")

	// ErrClosed is returned by methods called after Close.
	ErrClosed = errors.New("arena: closed")
)
