package arena

import (
	"fmt"
	"unsafe"
)

// Kind tags a region with what lives in it, so a process that looks a region
// up by name can check it found the right sort of thing. The arena stores the
// kind and never interprets it; each package that lays out regions picks its
// own values (a four-character code works well). KindBytes is the zero Kind.
type Kind uint32

// KindBytes marks a region of plain bytes with no further structure.
const KindBytes Kind = 0

// Region is a named, 64-byte aligned span of an arena. A Region is a small
// value: copy it freely. Its views alias shared memory and stay valid until
// the arena is closed; concurrent access through them needs the same care as
// any memory shared between goroutines, plus the knowledge that other
// processes may write it too.
type Region struct {
	name string
	off  int64
	kind Kind
	mem  []byte
}

// Name returns the region's name.
func (r Region) Name() string { return r.name }

// Offset returns the region's offset from the start of the arena: the same
// number in every process, unlike the address of its first byte.
func (r Region) Offset() int64 { return r.off }

// Len returns the region's length in bytes.
func (r Region) Len() int { return len(r.mem) }

// Kind returns the kind the region was allocated with.
func (r Region) Kind() Kind { return r.kind }

// Bytes returns the region's memory as a byte slice.
func (r Region) Bytes() []byte { return r.mem }

// Uint32s returns the region's memory as uint32 words; a trailing partial
// word is left out.
func (r Region) Uint32s() []uint32 { return View[uint32](r) }

// Uint64s returns the region's memory as uint64 words; a trailing partial
// word is left out.
func (r Region) Uint64s() []uint64 { return View[uint64](r) }

// Float32s returns the region's memory as float32 values; a trailing partial
// value is left out.
func (r Region) Float32s() []float32 { return View[float32](r) }

// Sub returns the n bytes of the region from off, as a region of the same
// name and kind: a way to lay out several structures in one allocation.
// off must be a multiple of Alignment.
func (r Region) Sub(off, n int) (Region, error) {
	if off < 0 || n < 0 || off%Alignment != 0 || off > len(r.mem) || n > len(r.mem)-off {
		return Region{}, fmt.Errorf("%w: sub-region [%d, +%d) of %q (%d bytes)", ErrBadRegion, off, n, r.name, len(r.mem))
	}
	return Region{name: r.name, off: r.off + int64(off), kind: r.kind, mem: r.mem[off : off+n : off+n]}, nil
}

// Scalar is the set of element types a view may have: fixed-size numbers
// without pointers, so that nothing the garbage collector must see is ever
// stored in shared memory.
type Scalar interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~uint64 |
		~float32 | ~float64
}

// View returns the region's memory as a slice of T. Regions are 64-byte
// aligned, so every element is naturally aligned; a trailing partial
// element is left out.
func View[T Scalar](r Region) []T {
	var zero T
	n := len(r.mem) / int(unsafe.Sizeof(zero))
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(&r.mem[0])), n)
}

// Info describes a region without giving access to its memory.
type Info struct {
	Name   string
	Offset int64
	Len    int64
	Kind   Kind
}
