package arena

import (
	"fmt"
	"sync/atomic"
	"unsafe"
)

// Layout constants. The header sits at offset 0, the region directory right
// after it, and region data after the directory.
const (
	// Version is the arena layout version this package writes. Attach accepts
	// arenas of this version or older.
	Version = 1

	// Alignment is the minimum alignment of a region: one cache line, so no
	// two regions share a line and any atomic word at a multiple of 8 inside a
	// region is naturally aligned.
	Alignment = 64

	// MaxNameLen is the longest region name, in bytes.
	MaxNameLen = 40

	// DefaultMaxRegions is the directory capacity when Options.MaxRegions is 0.
	DefaultMaxRegions = 256

	magic      = 0x0141_4e55_524d_4853 // "SHMRUNA\x01" in little-endian bytes
	headerSize = 64
	entrySize  = 64
)

// header is the arena's first 64 bytes. Fields other than count are written
// by the creator before any other process can see the arena, and rewritten
// with the same values only by Repair.
type header struct {
	magic    uint64
	version  uint32
	dirCap   uint32
	size     uint64
	data     uint64        // offset of the first byte after the directory
	count    atomic.Uint32 // published directory entries; the publish point
	reserved [64 - 36]byte // zero
}

// layout is what a header says about the arena, read once: checked and then
// kept privately, so that later writes to the shared header change nothing
// in a process that already attached.
type layout struct {
	magic   uint64
	version uint32
	dirCap  uint32
	size    uint64
	data    uint64
}

// readLayout copies the fixed fields of a header in shared memory.
func readLayout(h *header) layout {
	return layout{magic: h.magic, version: h.version, dirCap: h.dirCap, size: h.size, data: h.data}
}

// entry is one directory slot: 64 bytes, immutable once published.
type entry struct {
	off     uint64
	length  uint64
	kind    uint32
	nameLen uint32
	name    [MaxNameLen]byte
}

var (
	_ [headerSize - unsafe.Sizeof(header{})]byte // header is exactly 64 bytes
	_ [unsafe.Sizeof(header{}) - headerSize]byte
	_ [entrySize - unsafe.Sizeof(entry{})]byte // entry is exactly 64 bytes
	_ [unsafe.Sizeof(entry{}) - entrySize]byte
)

// dataStart returns where the directory ends and data begins for a capacity.
func dataStart(dirCap int) uint64 {
	return alignUp(uint64(headerSize+dirCap*entrySize), Alignment)
}

func alignUp(n, a uint64) uint64 { return (n + a - 1) &^ (a - 1) }

// headerAt views the first bytes of mem as the header. mem is at least
// headerSize long and page aligned.
func headerAt(mem []byte) *header { return (*header)(unsafe.Pointer(&mem[0])) }

// entryAt views directory slot i. The caller checked i < dirCap and that the
// directory fits in mem.
func entryAt(mem []byte, i int) *entry {
	return (*entry)(unsafe.Pointer(&mem[headerSize+i*entrySize]))
}

// sharedEntry copies directory slot i out of shared memory, so that every
// later read sees the same bytes however the slot changes meanwhile. The
// caller checked i < dirCap and that the directory fits in mem.
func sharedEntry(mem []byte, i int) entry { return *entryAt(mem, i) }

// checkLayout validates a header read from shared memory against the size of
// the mapping. Nothing in it is trusted until this returns nil.
func checkLayout(h layout, mapped uint64) error {
	if h.magic != magic {
		return fmt.Errorf("%w: magic %#x, want %#x", ErrBadHeader, h.magic, uint64(magic))
	}
	if h.version == 0 {
		return fmt.Errorf("%w: layout version 0", ErrBadHeader)
	}
	if h.version > Version {
		return fmt.Errorf("%w: layout version %d, this build reads up to %d", ErrVersion, h.version, Version)
	}
	if h.size != mapped {
		return fmt.Errorf("%w: header says %d bytes, file has %d", ErrBadHeader, h.size, mapped)
	}
	if h.dirCap == 0 || uint64(h.dirCap) > (mapped-headerSize)/entrySize {
		return fmt.Errorf("%w: directory of %d entries does not fit in %d bytes", ErrBadHeader, h.dirCap, mapped)
	}
	if h.data != dataStart(int(h.dirCap)) {
		return fmt.Errorf("%w: data offset %d, want %d", ErrBadHeader, h.data, dataStart(int(h.dirCap)))
	}
	return nil
}

// checkEntry validates a directory entry read from shared memory.
func checkEntry(e *entry, data, size uint64) error {
	switch {
	case e.nameLen == 0 || e.nameLen > MaxNameLen:
		return fmt.Errorf("%w: name length %d", ErrBadRegion, e.nameLen)
	case e.off < data || e.off%Alignment != 0:
		return fmt.Errorf("%w: offset %d", ErrBadRegion, e.off)
	case e.length > size || e.off > size-e.length:
		return fmt.Errorf("%w: [%d, +%d) past the arena end %d", ErrBadRegion, e.off, e.length, size)
	}
	return nil
}

// newEntry returns the directory slot that describes a region, with the
// unused tail of its name zero.
func newEntry(off, length uint64, kind Kind, name string) entry {
	e := entry{off: off, length: length, kind: uint32(kind), nameLen: uint32(len(name))}
	copy(e.name[:], name)
	return e
}

func (e *entry) nameString() string { return string(e.name[:e.nameLen]) }

func (e *entry) hasName(name string) bool {
	return int(e.nameLen) == len(name) && string(e.name[:e.nameLen]) == name
}
