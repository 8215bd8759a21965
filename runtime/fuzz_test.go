package runtime_test

import (
	"bytes"
	"reflect"
	"testing"

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
	f.Add([]byte(`{"Name":"\ud800","Count":1e400}`))
	f.Add([]byte(`[[[[[[[[[[[[[[[[[[[[`))
	f.Fuzz(func(t *testing.T, b []byte) {
		roundTrip(t, runtime.CodecFor[int](), b)
		roundTrip(t, runtime.CodecFor[sample](), b)
		roundTrip(t, runtime.CodecFor[string](), b)
		roundTrip(t, runtime.CodecFor[[]byte](), b)
		roundTrip(t, runtime.CodecFor[pair](), b)
		roundTrip(t, runtime.CodecFor[map[string][]float64](), b)
	})
}
