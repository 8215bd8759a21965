package wire

import "encoding/binary"

// A task's args hold its items back to back, each a uvarint length and the
// bytes; a result's values hold, per item, a Status byte, a uvarint length
// and the bytes (the value, or the error message when the status is not Ok).

// AppendItem appends one item to an args blob.
func AppendItem(dst, item []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(item)))
	return append(dst, item...)
}

// NextItem splits the first item off an args blob.
func NextItem(src []byte) (item, rest []byte, err error) {
	if len(src) > 0 && src[0] < 0x80 { // the common one-byte length
		if end := 1 + int(src[0]); end <= len(src) {
			return src[1:end:end], src[end:], nil
		}
	}
	n, w := binary.Uvarint(src)
	if w <= 0 || n > uint64(len(src)-w) {
		return nil, nil, malformed("item of %d bytes in %d", n, len(src))
	}
	end := w + int(n)
	return src[w:end:end], src[end:], nil
}

// AppendValue appends one item's outcome to a values blob.
func AppendValue(dst []byte, st Status, b []byte) []byte {
	return AppendItem(append(dst, byte(st)), b)
}

// NextValue splits the first item's outcome off a values blob.
func NextValue(src []byte) (st Status, b, rest []byte, err error) {
	if len(src) == 0 {
		return 0, nil, nil, malformed("missing value")
	}
	st = Status(src[0])
	if !st.Known() {
		return 0, nil, nil, malformed("status %d", st)
	}
	b, rest, err = NextItem(src[1:])
	return st, b, rest, err
}

// Known reports whether st is a status this protocol defines: anything
// else, read from a peer, is garbage.
func (st Status) Known() bool { return st <= StatusCrashed }

// AppendPanic appends the message of an item whose kernel panicked: the
// panic's value as an item (a uvarint length, the bytes), then the stack.
func AppendPanic(dst, value, stack []byte) []byte {
	return append(AppendItem(dst, value), stack...)
}

// SplitPanic splits the message of a panicked item into the panic's value
// and the stack.
func SplitPanic(msg []byte) (value, stack []byte, err error) {
	return NextItem(msg)
}

// MaxWaitName bounds the name of a wait: a channel's arena name.
const MaxWaitName = 40

// AppendWait appends one channel wait of a kernel to a result's waits: the
// channel's name (a uvarint length, the bytes), then when the wait began
// and ended (CLOCK_MONOTONIC nanoseconds, varints).
func AppendWait(dst, name []byte, start, end int64) []byte {
	dst = AppendItem(dst, name[:min(len(name), MaxWaitName)])
	return binary.AppendVarint(binary.AppendVarint(dst, start), end)
}

// NextWait splits the first wait off a result's waits. A name longer than
// MaxWaitName, or a wait that ends before it begins, is malformed.
func NextWait(src []byte) (name []byte, start, end int64, rest []byte, err error) {
	name, rest, err = NextItem(src)
	if err != nil {
		return nil, 0, 0, nil, err
	}
	if len(name) > MaxWaitName {
		return nil, 0, 0, nil, malformed("wait name of %d bytes", len(name))
	}
	start, n := binary.Varint(rest)
	if n <= 0 {
		return nil, 0, 0, nil, malformed("wait start")
	}
	end, m := binary.Varint(rest[n:])
	if m <= 0 || end < start {
		return nil, 0, 0, nil, malformed("wait end")
	}
	return name, start, end, rest[n+m:], nil
}

// A task whose items all have one size, or a result whose items are all Ok
// with values of one size, may carry them in the strided layout instead:
// the items (or values) back to back, with their common size in the
// message's Stride, no lengths and no statuses. Decode checks that the
// bytes hold exactly Items of them, so readers index them without
// parsing, and the master checks a strided result in constant time.

// strided reports whether b holds exactly n items of stride bytes, or
// stride is 0 (the general layout, which readers check as they go).
func strided(b []byte, n, stride uint32) bool {
	return stride == 0 || uint64(len(b)) == uint64(n)*uint64(stride)
}

// Items reads a task's args item by item, in either layout. The zero
// Items holds none.
type Items struct {
	rest   []byte
	stride uint32
}

// ItemsOf returns a reader of the items in args, laid out as stride says
// (TaskMsg.Stride).
func ItemsOf(args []byte, stride uint32) Items { return Items{rest: args, stride: stride} }

// Stride is the layout of the items: the size of every one, or 0 for the
// general layout.
func (it *Items) Stride() uint32 { return it.stride }

// Next returns the next item, which aliases the args, or ErrMalformed if
// the args hold no whole item.
func (it *Items) Next() ([]byte, error) {
	if item, ok := it.NextStrided(); ok {
		return item, nil
	}
	return it.next()
}

// NextStrided is Next for the strided layout, small enough to be inlined
// into a loop over a task's items: ok is false when the layout is the
// general one or no whole item is left, and then Next says why.
func (it *Items) NextStrided() (item []byte, ok bool) {
	s := int(it.stride)
	if uint(s-1) >= uint(len(it.rest)) { // not 0 < s <= len
		return nil, false
	}
	item = it.rest[:s:s]
	it.rest = it.rest[s:]
	return item, true
}

// next is Next for the general layout, and for strided args that ran out.
func (it *Items) next() ([]byte, error) {
	if it.stride != 0 {
		return nil, malformed("item of %d bytes in %d", it.stride, len(it.rest))
	}
	item, rest, err := NextItem(it.rest)
	it.rest = rest
	return item, err
}

// Values reads a result's values item by item, in either layout. The zero
// Values holds none.
type Values struct {
	rest   []byte
	stride uint32
}

// ValuesOf returns a reader of the outcomes in values, laid out as stride
// says (ResultMsg.Stride).
func ValuesOf(values []byte, stride uint32) Values { return Values{rest: values, stride: stride} }

// Next returns the next item's status and value (or error message), which
// aliases the values, or ErrMalformed if they hold no whole outcome.
func (v *Values) Next() (Status, []byte, error) {
	if s := int(v.stride); uint(s-1) < uint(len(v.rest)) { // 0 < s <= len
		b := v.rest[:s:s]
		v.rest = v.rest[s:]
		return StatusOk, b, nil
	}
	return v.next()
}

// next is Next for the general layout, and for strided values that ran
// out.
func (v *Values) next() (Status, []byte, error) {
	if v.stride != 0 {
		return 0, nil, malformed("value of %d bytes in %d", v.stride, len(v.rest))
	}
	st, b, rest, err := NextValue(v.rest)
	v.rest = rest
	return st, b, err
}

// ValueWriter builds a result's values. It writes the strided layout while
// every outcome is Ok and of the stride it was reset to, and turns what it
// wrote into the general layout at the first outcome that is not; Stride
// then returns 0. The zero ValueWriter writes the general layout. Its
// buffers are reused from result to result.
type ValueWriter struct {
	// B holds the values written so far. While Strided, an Ok value may be
	// appended to it in place, between Mark and Wrote.
	B []byte
	// Scratch is a buffer for the caller, to encode a value or a message
	// in before it is added.
	Scratch []byte
	stride  uint32
	mark    int
	spare   []byte
}

// Reset empties the writer and sets the stride of the layout it tries
// first: 0 writes the general layout.
func (w *ValueWriter) Reset(stride uint32) {
	w.B, w.stride, w.mark = w.B[:0], stride, 0
}

// Stride is the layout of B: the size of every value, or 0 for the general
// layout.
func (w *ValueWriter) Stride() uint32 { return w.stride }

// Strided reports whether the next Ok value may be appended to B in place.
func (w *ValueWriter) Strided() bool { return w.stride != 0 }

// Mark notes where the next item's outcome begins: Abort goes back there,
// and Wrote checks what was appended since.
func (w *ValueWriter) Mark() { w.mark = len(w.B) }

// Abort drops whatever was appended to B since Mark (an item whose encoding
// panicked half-way).
func (w *ValueWriter) Abort() { w.B = w.B[:w.mark] }

// Wrote ends an Ok value appended to B in place since Mark. One of another
// size than the stride turns the values into the general layout (where
// Wrote gives the value its status and length).
func (w *ValueWriter) Wrote() {
	if len(w.B)-w.mark != int(w.stride) {
		w.wroteOther()
	}
}

// wroteOther is Wrote for a value of another size than the stride, or
// one appended in place to the general layout.
func (w *ValueWriter) wroteOther() {
	n := len(w.B) - w.mark
	if w.stride == 0 {
		w.spare = append(w.spare[:0], w.B[w.mark:]...)
		w.B = AppendValue(w.B[:w.mark], StatusOk, w.spare)
		return
	}
	w.B = w.B[:w.mark]
	old := w.unstride()
	w.B = AppendValue(w.B, StatusOk, old[w.mark:w.mark+n])
}

// Add adds one item's outcome: its status and its value, or the error
// message when the status is not Ok.
func (w *ValueWriter) Add(st Status, b []byte) {
	if w.stride != 0 {
		if st == StatusOk && len(b) == int(w.stride) {
			w.B = append(w.B, b...)
			return
		}
		w.unstride()
	}
	w.B = AppendValue(w.B, st, b)
}

// unstride rewrites the strided values of B in the general layout and
// returns the old buffer, whose bytes stay untouched until the next call.
func (w *ValueWriter) unstride() []byte {
	s := int(w.stride)
	out := w.spare[:0]
	for i := 0; i+s <= len(w.B); i += s {
		out = AppendValue(out, StatusOk, w.B[i:i+s])
	}
	old := w.B
	w.B, w.spare, w.stride = out, old[:0], 0
	return old[:cap(old)]
}
