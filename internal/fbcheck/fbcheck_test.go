package fbcheck_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"testing"

	flatbuffers "github.com/google/flatbuffers/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/internal/fbcheck"
)

var errBad = errors.New("bad buffer")

var check = fbcheck.Checker{Err: errBad}

// spec is the layout of the tables sample builds: a u64, a byte vector, a
// u8, an offset to a child table of one u32.
var spec = []fbcheck.Kind{fbcheck.U64, fbcheck.Bytes, fbcheck.U8, fbcheck.Table}

// sample builds a table by hand with the generic builder API, the way
// flatc's generated code does.
func sample(withBytes bool) []byte {
	b := flatbuffers.NewBuilder(64)
	b.StartObject(1)
	b.PrependUint32Slot(0, 77, 0)
	child := b.EndObject()
	var vec flatbuffers.UOffsetT
	if withBytes {
		vec = b.CreateByteVector([]byte("payload"))
	}
	b.StartObject(4)
	b.PrependUint64Slot(0, 1<<40, 0)
	if withBytes {
		b.PrependUOffsetTSlot(1, vec, 0)
	}
	b.PrependByteSlot(2, 9, 0)
	b.PrependUOffsetTSlot(3, child, 0)
	b.Finish(b.EndObject())
	return b.FinishedBytes()
}

func TestTableFindsEveryField(t *testing.T) {
	buf := sample(true)
	root, err := check.Root(buf)
	require.NoError(t, err)
	f, err := check.Table(buf, root, spec)
	require.NoError(t, err)
	assert.Equal(t, uint64(1<<40), binary.LittleEndian.Uint64(buf[f[0]:]))
	assert.Equal(t, byte(9), buf[f[2]])
	vec := fbcheck.Indirect(buf, f[1])
	assert.Equal(t, "payload", string(buf[vec+4:vec+4+7]))
	child, err := check.Table(buf, fbcheck.Indirect(buf, f[3]), []fbcheck.Kind{fbcheck.U32})
	require.NoError(t, err)
	assert.Equal(t, uint32(77), binary.LittleEndian.Uint32(buf[child[0]:]))
	for i := len(spec); i < fbcheck.MaxFields; i++ {
		assert.Equal(t, -1, f[i], "field %d is past the spec", i)
	}
}

func TestTableMarksAbsentFields(t *testing.T) {
	buf := sample(false)
	root, err := check.Root(buf)
	require.NoError(t, err)
	f, err := check.Table(buf, root, spec)
	require.NoError(t, err)
	assert.Equal(t, -1, f[1])
	assert.GreaterOrEqual(t, f[0], 0)
}

func TestBrokenBuffersAreErrors(t *testing.T) {
	good := sample(true)
	root, _ := check.Root(good)
	fields, err := check.Table(good, root, spec)
	require.NoError(t, err)
	vec := fbcheck.Indirect(good, fields[1])
	cases := map[string]func(b []byte) []byte{
		"short":           func(b []byte) []byte { return b[:7] },
		"root past end":   func(b []byte) []byte { binary.LittleEndian.PutUint32(b, 1<<20); return b },
		"vtable past end": func(b []byte) []byte { binary.LittleEndian.PutUint32(b[root:], 0x8000_0000); return b },
		"vector too long": func(b []byte) []byte { binary.LittleEndian.PutUint32(b[vec:], 1<<20); return b },
		"vector past end": func(b []byte) []byte { binary.LittleEndian.PutUint32(b[fields[1]:], 1<<20); return b },
	}
	for name, breakIt := range cases {
		t.Run(name, func(t *testing.T) {
			buf := breakIt(append([]byte(nil), good...))
			root, err := check.Root(buf)
			if err == nil {
				_, err = check.Table(buf, root, spec)
			}
			assert.ErrorIs(t, err, errBad)
		})
	}
	_, err = check.Table(good, root, make([]fbcheck.Kind, fbcheck.MaxFields+1))
	assert.ErrorIs(t, err, errBad)
	_, err = fbcheck.Checker{}.Root(nil)
	assert.Error(t, err, "the zero Checker reports plain errors")
}

// FuzzTable checks that no buffer panics the checker, and that every field
// position it returns lies inside the buffer.
func FuzzTable(f *testing.F) {
	f.Add(sample(true))
	f.Add(sample(false))
	f.Add([]byte{8, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, buf []byte) {
		root, err := check.Root(buf)
		if err != nil {
			return
		}
		fields, err := check.Table(buf, root, spec)
		if err != nil {
			return
		}
		for _, at := range fields {
			if at >= len(buf) {
				t.Fatalf("field at %d in %d bytes", at, len(buf))
			}
		}
		if fields[3] >= 0 {
			check.Table(buf, fbcheck.Indirect(buf, fields[3]), []fbcheck.Kind{fbcheck.U32})
		}
	})
}

// Example checks a buffer before reading a field from it.
func Example() {
	b := flatbuffers.NewBuilder(0)
	b.StartObject(1)
	b.PrependUint32Slot(0, 42, 0)
	b.Finish(b.EndObject())
	buf := b.FinishedBytes()

	c := fbcheck.Checker{Err: errBad}
	root, err := c.Root(buf)
	if err != nil {
		fmt.Println(err)
		return
	}
	fields, err := c.Table(buf, root, []fbcheck.Kind{fbcheck.U32})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(binary.LittleEndian.Uint32(buf[fields[0]:]))
	_, err = c.Root(buf[:4])
	fmt.Println(err)
	// Output:
	// 42
	// bad buffer: 4 bytes
}
