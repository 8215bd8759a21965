package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrMalformed is returned by Decode for bytes that are not a well-formed
// message.
var ErrMalformed = errors.New("wire: malformed message")

// field kinds, by the bytes a verifier must find in bounds.
type kind uint8

const (
	u8 kind = iota
	u32
	u64
	vec   // offset to a vector of bytes (or a string)
	table // offset to a table, whose schema the union type names
)

var size = [...]int{u8: 1, u32: 4, u64: 8, vec: 4, table: 4}

// The fields of each table, in schema order; keep in step with wire.fbs.
var (
	envelopeFields = []kind{u8, table}
	helloFields    = []kind{u32, u32, u32, u64, u64}
	taskFields     = []kind{u64, u64, u32, u64, u32, vec}
	resultFields   = []kind{u64, u8, vec, u32, vec, u64, u64}
)

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}

// verifyEnvelope checks buf as an Envelope and the table its union holds.
func verifyEnvelope(buf []byte) (Message, error) {
	if len(buf) < 8 || len(buf) > 1<<31 {
		return 0, malformed("%d bytes", len(buf))
	}
	root := int(binary.LittleEndian.Uint32(buf))
	fields, err := verifyTable(buf, root, envelopeFields)
	if err != nil {
		return 0, err
	}
	if fields[0] < 0 || fields[1] < 0 {
		return 0, malformed("envelope without a message")
	}
	mt := Message(buf[fields[0]])
	var spec []kind
	switch mt {
	case MessageHello:
		spec = helloFields
	case MessageTask:
		spec = taskFields
	case MessageResult:
		spec = resultFields
	default:
		return 0, malformed("message type %d", mt)
	}
	_, err = verifyTable(buf, indirect(buf, fields[1]), spec)
	return mt, err
}

// verifyTable checks the table at pos against its field kinds and returns
// the position of each present field (-1 when absent). Every vector it
// points to is checked too.
func verifyTable(buf []byte, pos int, spec []kind) ([8]int, error) {
	var at [8]int
	n := len(buf)
	if pos < 0 || pos > n-4 {
		return at, malformed("table at %d", pos)
	}
	vt := pos - int(int32(binary.LittleEndian.Uint32(buf[pos:])))
	if vt < 0 || vt > n-4 {
		return at, malformed("vtable at %d", vt)
	}
	vtLen := int(binary.LittleEndian.Uint16(buf[vt:]))
	tLen := int(binary.LittleEndian.Uint16(buf[vt+2:]))
	if vtLen < 4 || vtLen%2 != 0 || vt+vtLen > n || tLen < 4 || pos+tLen > n {
		return at, malformed("vtable of %d bytes for a table of %d at %d", vtLen, tLen, pos)
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
			return at, malformed("field %d at offset %d of a %d-byte table", i, off, tLen)
		}
		at[i] = pos + off
		if k == vec {
			if err := verifyVector(buf, at[i]); err != nil {
				return at, err
			}
		}
	}
	return at, nil
}

// indirect follows the uoffset stored at pos; the result is checked by the
// caller. pos+4 <= len(buf) is known.
func indirect(buf []byte, pos int) int {
	return pos + int(binary.LittleEndian.Uint32(buf[pos:]))
}

func verifyVector(buf []byte, pos int) error {
	v := indirect(buf, pos)
	if v < 0 || v > len(buf)-4 {
		return malformed("vector at %d", v)
	}
	if n := uint64(binary.LittleEndian.Uint32(buf[v:])); uint64(v)+4+n > uint64(len(buf)) {
		return malformed("vector of %d bytes at %d in %d", n, v, len(buf))
	}
	return nil
}
