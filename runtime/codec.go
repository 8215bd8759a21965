package runtime

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"unsafe"
)

// ErrDecode is returned, wrapped, by the Decode of the codecs CodecFor
// returns when the bytes encode no value of the type: the wrong length for a
// raw value, a bool byte other than 0 or 1, malformed JSON.
var ErrDecode = errors.New("shmrun: bytes do not encode a value of the type")

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
// free because master and workers run the same binary (Decode checks that
// every bool byte is 0 or 1, the only raw bytes that are not some value);
// anything else as JSON. Decode errors wrap ErrDecode.
func CodecFor[T any]() Codec[T] {
	var zero T
	switch any(zero).(type) {
	case []byte:
		return any(bytesCodec{}).(Codec[T])
	case string:
		return any(stringCodec{}).(Codec[T])
	}
	if t := reflect.TypeFor[T](); pointerFree(t) {
		if bools := findBools(t, 0, nil); len(bools) > 0 {
			return boolCodec[T]{bools: bools}
		}
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

// rawCodec copies a pointer-free value's memory. CodecFor uses it for types
// without bools, whose every byte pattern is some value.
type rawCodec[T any] struct{}

func (rawCodec[T]) Append(dst []byte, v T) []byte { return appendRaw(dst, v) }

func (rawCodec[T]) size(v T) int { return int(unsafe.Sizeof(v)) }

func (rawCodec[T]) fixedSize() int {
	var v T
	return int(unsafe.Sizeof(v))
}

func (rawCodec[T]) Decode(src []byte) (T, error) {
	var v T
	if uintptr(len(src)) != unsafe.Sizeof(v) {
		return v, sizeError[T](len(src))
	}
	return loadRaw[T](src), nil
}

// loadRaw returns the pointer-free value whose raw bytes start b, which
// holds at least that many (a value of no bytes needs none). Where
// unaligned access is allowed it is one typed load, not a call of memmove:
// the hot path of a map's items.
// (checkptr allows unaligned pointers to pointer-free types.)
func loadRaw[T any](b []byte) (v T) {
	if unsafe.Sizeof(v) == 0 { // b may be nil, and its data a nil pointer
		return v
	}
	if unalignedOK {
		return *(*T)(unsafe.Pointer(unsafe.SliceData(b)))
	}
	copy(unsafe.Slice((*byte)(unsafe.Pointer(&v)), unsafe.Sizeof(v)), b)
	return v
}

// appendRaw appends the raw bytes of the pointer-free value v to dst, with
// one typed store when there is room and unaligned access is allowed. A
// value of no bytes (struct{}, the result of a method that returns
// nothing) appends nothing: the store's &dst[n] would index past dst.
func appendRaw[T any](dst []byte, v T) []byte {
	n, size := len(dst), int(unsafe.Sizeof(v))
	if size == 0 {
		return dst
	}
	if unalignedOK && cap(dst)-n >= size {
		dst = dst[:n+size]
		*(*T)(unsafe.Pointer(&dst[n])) = v
		return dst
	}
	return append(dst, unsafe.Slice((*byte)(unsafe.Pointer(&v)), size)...)
}

// sizeError is rawCodec.Decode's error for n bytes: out of line, so that
// building it costs the hot path nothing.
func sizeError[T any](n int) error {
	var v T
	return fmt.Errorf("%w: %T: %d bytes, want %d", ErrDecode, v, n, unsafe.Sizeof(v))
}

// boolCodec is the raw codec of a type that holds bools, at the places
// bools lists: a byte other than 0 or 1 there is a value Go never makes
// (one that can be both true and not equal to true), so Decode refuses it.
type boolCodec[T any] struct {
	rawCodec[T]
	bools []boolRun
}

func (c boolCodec[T]) Decode(src []byte) (T, error) {
	v, err := c.rawCodec.Decode(src)
	if err != nil {
		return v, err
	}
	// Checked in the copy: src may be shared memory that changes meanwhile.
	b := unsafe.Slice((*byte)(unsafe.Pointer(&v)), unsafe.Sizeof(v))
	for _, r := range c.bools {
		if off, bad := r.check(b); bad {
			var zero T
			return zero, fmt.Errorf("%w: %T: bool at byte %d is %d", ErrDecode, v, off, b[off])
		}
	}
	return v, nil
}

// boolRun is n bool bytes of a raw value: at off, off+stride, ...
type boolRun struct{ off, stride, n uintptr }

// check returns the offset of the first byte of the run in b that is
// neither 0 nor 1. Adjacent bools (an array of them) are checked eight at a
// time.
func (r boolRun) check(b []byte) (uintptr, bool) {
	i := uintptr(0)
	if r.stride == 1 {
		for ; i+8 <= r.n; i += 8 {
			if binary.LittleEndian.Uint64(b[r.off+i:])&0xfefe_fefe_fefe_fefe != 0 {
				break // the loop below finds which byte
			}
		}
	}
	for ; i < r.n; i++ {
		if off := r.off + i*r.stride; b[off] > 1 {
			return off, true
		}
	}
	return 0, false
}

// findBools appends to runs where the pointer-free type t, placed at byte
// base, holds bools (in nested structs and arrays too), in increasing
// offset order. Evenly spaced bools share one run, so an array of bools or
// of structs with a bool costs one entry, not one per element.
func findBools(t reflect.Type, base uintptr, runs []boolRun) []boolRun {
	switch t.Kind() {
	case reflect.Bool:
		return addBool(runs, base)
	case reflect.Array:
		if !hasBool(t.Elem()) { // a big array of numbers is not walked
			return runs
		}
		for i := range t.Len() {
			runs = findBools(t.Elem(), base+uintptr(i)*t.Elem().Size(), runs)
		}
	case reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			runs = findBools(f.Type, base+f.Offset, runs)
		}
	}
	return runs
}

// addBool appends the bool at off, past every bool in runs, extending the
// last run when off continues it.
func addBool(runs []boolRun, off uintptr) []boolRun {
	if k := len(runs) - 1; k >= 0 {
		switch r := &runs[k]; {
		case r.n == 1:
			r.stride, r.n = off-r.off, 2
			return runs
		case off == r.off+r.n*r.stride:
			r.n++
			return runs
		}
	}
	return append(runs, boolRun{off: off, n: 1})
}

// hasBool reports whether a pointer-free type holds a bool anywhere.
func hasBool(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Bool:
		return true
	case reflect.Array:
		return t.Len() > 0 && hasBool(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if hasBool(t.Field(i).Type) {
				return true
			}
		}
	}
	return false
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

// Decode unmarshals src; its errors wrap ErrDecode.
func (JSONCodec[T]) Decode(src []byte) (T, error) {
	var v T
	if err := json.Unmarshal(src, &v); err != nil {
		return v, fmt.Errorf("%w: %w", ErrDecode, err)
	}
	return v, nil
}
