package runtime_test

import (
	"bytes"
	"fmt"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/runtime"
)

// flags holds bools at every level the raw codec must find them: a field,
// an array inside a nested struct, and a field of structs in an array.
type flags struct {
	A    bool
	N    int32
	In   inner
	Tail [2]tailEntry
}

type inner struct {
	X  float64
	On [3]bool
}

type tailEntry struct {
	B bool
	U uint16
}

// flagBools lists the byte offsets of every bool in flags, worked out by
// hand from the declaration, independently of the codec.
func flagBools() []uintptr {
	var f flags
	in := unsafe.Offsetof(f.In) + unsafe.Offsetof(f.In.On)
	tail := unsafe.Offsetof(f.Tail)
	step := unsafe.Sizeof(f.Tail[0])
	return []uintptr{unsafe.Offsetof(f.A), in, in + 1, in + 2, tail, tail + step}
}

func TestRawCodecDecodesBools(t *testing.T) {
	c := runtime.CodecFor[flags]()
	for _, v := range []flags{
		{},
		{A: true, N: -1, In: inner{X: 2.5, On: [3]bool{true, false, true}}, Tail: [2]tailEntry{{B: true, U: 7}, {U: 9}}},
		{In: inner{On: [3]bool{false, true, false}}, Tail: [2]tailEntry{{}, {B: true}}},
	} {
		got, err := c.Decode(c.Append(nil, v))
		require.NoError(t, err)
		assert.Equal(t, v, got)
	}
	arr := runtime.CodecFor[[16]bool]()
	want := [16]bool{0: true, 7: true, 15: true}
	got, err := arr.Decode(arr.Append(nil, want))
	require.NoError(t, err)
	assert.Equal(t, want, got)
}

func TestRawCodecRefusesBadBools(t *testing.T) {
	c := runtime.CodecFor[flags]()
	good := c.Append(nil, flags{A: true, In: inner{On: [3]bool{true, true, true}}})
	for _, off := range flagBools() {
		for _, bad := range []byte{2, 0x80, 0xff} {
			b := bytes.Clone(good)
			b[off] = bad
			v, err := c.Decode(b)
			assert.ErrorIs(t, err, runtime.ErrDecode, "byte %d = %d", off, bad)
			assert.Zero(t, v, "nothing of a refused value comes back")
		}
	}
	// Any other byte is some value: an int, a float, padding.
	b := bytes.Clone(good)
	isBool := map[uintptr]bool{}
	for _, off := range flagBools() {
		isBool[off] = true
	}
	for i := range b {
		if !isBool[uintptr(i)] {
			b[i] = 0xff
		}
	}
	_, err := c.Decode(b)
	assert.NoError(t, err)

	arr := runtime.CodecFor[[20]bool]() // two words checked at once, four bytes alone
	for i := range 20 {
		raw := bytes.Repeat([]byte{1}, 20)
		raw[i] = 2
		_, err = arr.Decode(raw)
		require.ErrorIs(t, err, runtime.ErrDecode)
		assert.Contains(t, err.Error(), fmt.Sprintf("bool at byte %d is 2", i))
	}
	one := runtime.CodecFor[bool]()
	_, err = one.Decode([]byte{3})
	assert.ErrorIs(t, err, runtime.ErrDecode)
	v, err := one.Decode([]byte{1})
	require.NoError(t, err)
	assert.True(t, v)
}

func TestDecodeErrorsWrapErrDecode(t *testing.T) {
	_, err := runtime.CodecFor[sample]().Decode(make([]byte, 3))
	assert.ErrorIs(t, err, runtime.ErrDecode, "wrong length")
	_, err = runtime.CodecFor[pair]().Decode([]byte("{"))
	assert.ErrorIs(t, err, runtime.ErrDecode, "malformed JSON")
	all := bytes.Repeat([]byte{0xff}, int(unsafe.Sizeof(sample{})))
	_, err = runtime.CodecFor[sample]().Decode(all)
	assert.NoError(t, err, "a type without bools takes any bytes of its size")
}

// forgedBool encodes every bool as the byte 2, the way a corrupt or hostile
// worker could, and decodes with the default codec.
type forgedBool struct{ runtime.Codec[bool] }

func (forgedBool) Append(dst []byte, _ bool) []byte { return append(dst, 2) }

var sendsBadBool = runtime.RegisterCodec("test.sendsBadBool", func(_ *runtime.Env, x int) (bool, error) {
	return x > 0, nil
}, runtime.CodecFor[int](), runtime.Codec[bool](forgedBool{runtime.CodecFor[bool]()}))

func TestBadBoolResultIsAnError(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			p := startPool(t, runtime.Options{Mode: mode, Workers: 1})
			ctx := ctxTimeout(t, 30*time.Second)
			_, err := sendsBadBool.Run(ctx, p, 1)
			require.ErrorIs(t, err, runtime.ErrDecode)
			v, err := square.Run(ctx, p, 3)
			require.NoError(t, err, "the worker carries on")
			assert.Equal(t, 9, v)
		})
	}
}

// TestRawCodecEmptyStruct checks that a value of no bytes encodes to
// nothing, into a nil or a full buffer, and decodes from nothing: the
// result of every method that returns struct{} goes through it.
func TestRawCodecEmptyStruct(t *testing.T) {
	c := runtime.CodecFor[struct{}]()
	assert.Empty(t, c.Append(nil, struct{}{}))
	full := []byte{1, 2, 3}
	assert.Equal(t, full, c.Append(full[:3:3], struct{}{}))
	_, err := c.Decode(nil)
	require.NoError(t, err)
}
