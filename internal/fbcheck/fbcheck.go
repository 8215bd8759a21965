// Package fbcheck verifies flatbuffers before generated accessors read
// them. Go's flatbuffers package has no verifier, and its accessors follow
// whatever offsets they find, so a buffer from another process, which may
// be garbage, must be checked first: every table, vtable, field and vector
// an accessor will touch must lie inside the buffer.
package fbcheck

import (
	"encoding/binary"
	"fmt"
)

// Kind is what a table field holds, by the bytes a verifier must find in
// bounds.
type Kind uint8

const (
	U8    Kind = iota // a bool, a byte, a ubyte enum or a union type
	U32               // a 32-bit scalar
	U64               // a 64-bit scalar
	Bytes             // an offset to a vector of bytes, or to a string
	Table             // an offset to a table; the caller checks that table
)

var size = [...]int{U8: 1, U32: 4, U64: 8, Bytes: 4, Table: 4}

// MaxFields is the most fields a table checked by Check.Table may have.
const MaxFields = 16

// Fields holds the position in the buffer of each field of a checked
// table, in schema order, or -1 for a field that is absent.
type Fields [MaxFields]int

// Checker checks buffers and reports what is wrong as its Err, wrapped
// with the details. The zero Checker reports plain errors.
type Checker struct {
	Err error
}

func (c Checker) fail(format string, args ...any) error {
	if c.Err == nil {
		return fmt.Errorf(format, args...)
	}
	return fmt.Errorf("%w: "+format, append([]any{c.Err}, args...)...)
}

// Root checks the buffer's size and returns the position of its root
// table, which the caller then checks with Table.
func (c Checker) Root(buf []byte) (int, error) {
	if len(buf) < 8 || len(buf) > 1<<31 {
		return 0, c.fail("%d bytes", len(buf))
	}
	return int(binary.LittleEndian.Uint32(buf)), nil
}

// Table checks the table at pos against the kinds of its fields, in
// schema order (at most MaxFields), and returns where each present field
// is. Every byte vector a field points to is checked too; a Table field
// only has its offset checked, the caller checks the table it leads to
// (see Indirect).
func (c Checker) Table(buf []byte, pos int, spec []Kind) (Fields, error) {
	var at Fields
	n := len(buf)
	if len(spec) > MaxFields {
		return at, c.fail("table of %d fields", len(spec))
	}
	if pos < 0 || pos > n-4 {
		return at, c.fail("table at %d", pos)
	}
	vt := pos - int(int32(binary.LittleEndian.Uint32(buf[pos:])))
	if vt < 0 || vt > n-4 {
		return at, c.fail("vtable at %d", vt)
	}
	vtLen := int(binary.LittleEndian.Uint16(buf[vt:]))
	tLen := int(binary.LittleEndian.Uint16(buf[vt+2:]))
	if vtLen < 4 || vtLen%2 != 0 || vt+vtLen > n || tLen < 4 || pos+tLen > n {
		return at, c.fail("vtable of %d bytes for a table of %d at %d", vtLen, tLen, pos)
	}
	for i, k := range spec {
		at[i] = -1
		slot := 4 + 2*i
		if slot+2 > vtLen {
			continue
		}
		off := int(binary.LittleEndian.Uint16(buf[vt+slot:]))
		if off == 0 {
			continue
		}
		if off < 4 || off+size[k] > tLen {
			return at, c.fail("field %d at offset %d of a %d-byte table", i, off, tLen)
		}
		at[i] = pos + off
		if k == Bytes {
			if err := c.vector(buf, at[i]); err != nil {
				return at, err
			}
		}
	}
	for i := len(spec); i < MaxFields; i++ {
		at[i] = -1
	}
	return at, nil
}

// Indirect follows the offset stored at pos, a field position Table
// returned; the result is checked by whoever uses it (Table does).
func Indirect(buf []byte, pos int) int {
	return pos + int(binary.LittleEndian.Uint32(buf[pos:]))
}

func (c Checker) vector(buf []byte, pos int) error {
	v := Indirect(buf, pos)
	if v < 0 || v > len(buf)-4 {
		return c.fail("vector at %d", v)
	}
	if n := uint64(binary.LittleEndian.Uint32(buf[v:])); uint64(v)+4+n > uint64(len(buf)) {
		return c.fail("vector of %d bytes at %d in %d", n, v, len(buf))
	}
	return nil
}
