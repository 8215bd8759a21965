package render

import "errors"

var (
	// ErrCompile is returned by Compile when a scene cannot be compiled
	// (no camera, too many primitives, a blob over 4 GiB).
	ErrCompile = errors.New("render: cannot compile scene")

	// ErrBlob is returned by Open when the bytes are not a valid compiled
	// scene: wrong magic, a size, offset, count or index out of range, a
	// malformed tree. The bytes may come from another process, so Open
	// trusts nothing in them.
	ErrBlob = errors.New("render: invalid scene blob")

	// ErrVersion is returned by Open when the blob was compiled by a
	// different layout version of this package.
	ErrVersion = errors.New("render: unsupported scene blob version")

	// ErrAlign is returned by Open when the blob does not start at an 8-byte
	// aligned address, so its float64 records cannot be viewed in place.
	ErrAlign = errors.New("render: scene blob is not 8-byte aligned")

	// ErrTile is returned by RenderTile when the target buffers are too
	// small, or the tile or quality settings are out of range. Nothing is
	// written then.
	ErrTile = errors.New("render: invalid tile")

	// ErrCorrupt is returned by RenderTile when the scene blob changed after
	// Open validated it (another process wrote to it), which the renderer
	// detected as an out-of-range index or a cycle in a tree. The tile may
	// be partly written.
	ErrCorrupt = errors.New("render: scene blob changed after Open")
)

// errCycle is what a walk panics with when a tree has become a cycle.
var errCycle = errors.New("a tree has a cycle")
