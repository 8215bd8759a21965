package runtime_test

import (
	"fmt"
	"testing"
	"unsafe"

	"github.com/shmrun/shmrun/runtime"
)

// copyCodec is the raw codec as it was before Decode checked bools: a plain
// copy of the bytes, the baseline of BenchmarkRawDecode.
type copyCodec[T any] struct{}

func (copyCodec[T]) Append(dst []byte, v T) []byte {
	return append(dst, unsafe.Slice((*byte)(unsafe.Pointer(&v)), unsafe.Sizeof(v))...)
}

func (copyCodec[T]) Decode(src []byte) (T, error) {
	var v T
	if uintptr(len(src)) != unsafe.Sizeof(v) {
		return v, fmt.Errorf("decode %T: %d bytes, want %d", v, len(src), unsafe.Sizeof(v))
	}
	copy(unsafe.Slice((*byte)(unsafe.Pointer(&v)), len(src)), src)
	return v, nil
}

// BenchmarkRawDecode compares the default raw codec's Decode, which checks
// the bool bytes of the types that have some, with a plain copy: for types
// without bools (int, sample) the two should be the same speed.
func BenchmarkRawDecode(b *testing.B) {
	pairs := []struct {
		name       string
		ours, base func(*testing.B)
	}{
		{"int", decodeLoop(runtime.CodecFor[int](), 42), decodeLoop[int](copyCodec[int]{}, 42)},
		{"sample", decodeLoop(runtime.CodecFor[sample](), sample{A: 1}), decodeLoop[sample](copyCodec[sample]{}, sample{A: 1})},
		{"flags", decodeLoop(runtime.CodecFor[flags](), flags{A: true}), decodeLoop[flags](copyCodec[flags]{}, flags{A: true})},
		{"bool64", decodeLoop(runtime.CodecFor[[64]bool](), [64]bool{}), decodeLoop[[64]bool](copyCodec[[64]bool]{}, [64]bool{})},
	}
	for _, p := range pairs {
		b.Run(p.name+"/shmrun", p.ours)
		b.Run(p.name+"/copy", p.base)
	}
}

// decodeLoop returns a benchmark that decodes v's encoding with c, called
// through the Codec interface as the runtime calls it.
func decodeLoop[T any](c runtime.Codec[T], v T) func(*testing.B) {
	return func(b *testing.B) {
		src := c.Append(nil, v)
		var sink T
		for b.Loop() {
			got, err := c.Decode(src)
			if err != nil {
				b.Fatal(err)
			}
			sink = got
		}
		_ = sink
	}
}
