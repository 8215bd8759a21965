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
