package runtime_test

import (
	"bytes"
	"reflect"
	"testing"
	"unsafe"

	"github.com/shmrun/shmrun/runtime"
)

// sample is a pointer-free struct: the raw codec carries it.
type sample struct {
	A int32
	B [3]float64
	C uint8
}

// roundTrip checks one codec on bytes from another process: Decode must
// not panic, and a value it accepts must encode to bytes that decode to the
// same value again.
func roundTrip[T any](t *testing.T, c runtime.Codec[T], b []byte) {
	v, err := c.Decode(b)
	if err != nil {
		return
	}
	again, err := c.Decode(c.Append(nil, v))
	if err != nil {
		t.Fatalf("%T: re-decoding %v: %v", c, v, err)
	}
	if !bytes.Equal(c.Append(nil, v), c.Append(nil, again)) && !reflect.DeepEqual(v, again) {
		t.Fatalf("%T: %v became %v", c, v, again)
	}
}

// FuzzCodecs feeds the default codecs the bytes a worker (or, for
// arguments, a master) could send: results are decoded in the master with
// these codecs, so none may panic on garbage.
func FuzzCodecs(f *testing.F) {
	f.Add([]byte{})
	f.Add(runtime.CodecFor[int]().Append(nil, -7))
	f.Add(runtime.CodecFor[sample]().Append(nil, sample{A: 1, B: [3]float64{2, 3, 4}, C: 5}))
	f.Add(runtime.CodecFor[pair]().Append(nil, pair{Name: "x", Count: 2}))
	f.Add(runtime.CodecFor[flags]().Append(nil, flags{A: true, In: inner{On: [3]bool{true, false, true}}}))
	f.Add([]byte(`{"Name":"\ud800","Count":1e400}`))
	f.Add([]byte(`[[[[[[[[[[[[[[[[[[[[`))
	f.Fuzz(func(t *testing.T, b []byte) {
		roundTrip(t, runtime.CodecFor[int](), b)
		roundTrip(t, runtime.CodecFor[sample](), b)
		roundTrip(t, runtime.CodecFor[string](), b)
		roundTrip(t, runtime.CodecFor[[]byte](), b)
		roundTrip(t, runtime.CodecFor[pair](), b)
		roundTrip(t, runtime.CodecFor[map[string][]float64](), b)
		roundTrip(t, runtime.CodecFor[flags](), b)
		roundTrip(t, runtime.CodecFor[[20]bool](), b)
		checkBools(t, runtime.CodecFor[flags](), flagBools(), b)
		checkBools(t, runtime.CodecFor[[20]bool](), boolArray[:], b)
	})
}

// boolArray lists the offsets of the bools of a [20]bool.
var boolArray = func() (offs [20]uintptr) {
	for i := range offs {
		offs[i] = uintptr(i)
	}
	return offs
}()

// checkBools holds a raw codec of a type with bools at offs to its
// contract: it accepts exactly the bytes of the right length whose bool
// bytes are 0 or 1.
func checkBools[T any](t *testing.T, c runtime.Codec[T], offs []uintptr, b []byte) {
	var zero T
	ok := len(b) == int(unsafe.Sizeof(zero))
	for _, off := range offs {
		ok = ok && b[off] <= 1
	}
	if _, err := c.Decode(b); (err == nil) != ok {
		t.Fatalf("%T: decoding % x: error %v, want one: %v", c, b, err, !ok)
	}
}
