package runtime

import (
	"encoding/json"
	"fmt"
	"reflect"
	"unsafe"
)

// Codec turns values of T into bytes and back, to carry kernel arguments and
// results between processes. Append must append v's encoding to dst.
// Decode must return the value encoded in src; src aliases memory that is
// reused after the call, so the value must not keep a reference to it (copy
// bytes you keep). Decode reads bytes written by another process and must
// return an error, not panic, on garbage. A Codec is used from many
// goroutines at once and must be safe for that.
type Codec[T any] interface {
	Append(dst []byte, v T) []byte
	Decode(src []byte) (T, error)
}

// CodecFor returns the codec Register uses for T when none is given:
// []byte and string as themselves; a type with no pointers inside (numbers,
// bools, arrays and structs of them) as its raw memory, which is exact and
// free because master and workers run the same binary; anything else as
// JSON.
func CodecFor[T any]() Codec[T] {
	var zero T
	switch any(zero).(type) {
	case []byte:
		return any(bytesCodec{}).(Codec[T])
	case string:
		return any(stringCodec{}).(Codec[T])
	}
	if pointerFree(reflect.TypeFor[T]()) {
		return rawCodec[T]{}
	}
	return JSONCodec[T]{}
}

func pointerFree(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		return true
	case reflect.Array:
		return pointerFree(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if !pointerFree(t.Field(i).Type) {
				return false
			}
		}
		return true
	}
	return false
}

// rawCodec copies a pointer-free value's memory.
type rawCodec[T any] struct{}

func (rawCodec[T]) Append(dst []byte, v T) []byte {
	return append(dst, unsafe.Slice((*byte)(unsafe.Pointer(&v)), unsafe.Sizeof(v))...)
}

func (rawCodec[T]) size(v T) int { return int(unsafe.Sizeof(v)) }

func (rawCodec[T]) Decode(src []byte) (T, error) {
	var v T
	if uintptr(len(src)) != unsafe.Sizeof(v) {
		return v, fmt.Errorf("decode %T: %d bytes, want %d", v, len(src), unsafe.Sizeof(v))
	}
	copy(unsafe.Slice((*byte)(unsafe.Pointer(&v)), len(src)), src)
	return v, nil
}

type bytesCodec struct{}

func (bytesCodec) Append(dst []byte, v []byte) []byte { return append(dst, v...) }
func (bytesCodec) size(v []byte) int                  { return len(v) }

func (bytesCodec) Decode(src []byte) ([]byte, error) { return append([]byte(nil), src...), nil }

type stringCodec struct{}

func (stringCodec) Append(dst []byte, v string) []byte { return append(dst, v...) }
func (stringCodec) size(v string) int                  { return len(v) }

func (stringCodec) Decode(src []byte) (string, error) { return string(src), nil }

// JSONCodec encodes T with encoding/json: any type that survives a JSON
// round trip works, at the cost of allocations and speed.
type JSONCodec[T any] struct{}

// Append appends v as JSON. A value that cannot be marshalled (a channel,
// say) is a programming error and panics, which the kernel wrapper reports
// as a kernel panic.
func (JSONCodec[T]) Append(dst []byte, v T) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("shmrun: encode %T as JSON: %v", v, err))
	}
	return append(dst, b...)
}

// Decode unmarshals src.
func (JSONCodec[T]) Decode(src []byte) (T, error) {
	var v T
	err := json.Unmarshal(src, &v)
	return v, err
}
