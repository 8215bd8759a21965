package runtime

import (
	"fmt"

	"github.com/shmrun/shmrun/runtime/internal/wire"
)

// A task's items go to a worker, and their outcomes come back, as one
// block each: with raw codecs (see CodecFor), whose encodings all have the
// size of the type, as the values back to back (the strided layout of
// package wire), which a map writes and a worker reads with no length and
// no interface call per item and the master checks in constant time. An
// item costs its kernel call and a copy of its bytes each way; per task
// there is one message and one checksum each way (issue 16).

// layout is what a codec says about the encodings it makes.
type layout struct {
	// stride is the size of every encoding, 0 unless the codec is raw.
	stride uint32
	// plain: the codec is rawCodec, whose Append and Decode are a copy
	// (a boolCodec's Decode also checks its bools).
	plain bool
}

// fixedSizer is implemented by the codecs whose encodings all have one
// size: the raw codecs.
type fixedSizer interface{ fixedSize() int }

func layoutOf[T any](c Codec[T]) layout {
	var l layout
	if f, ok := c.(fixedSizer); ok && f.fixedSize() > 0 && f.fixedSize() <= 1<<20 {
		l.stride = uint32(f.fixedSize())
	}
	_, l.plain = c.(rawCodec[T])
	return l
}

// plainItems reports whether every item of args is the raw bytes of an A
// that any bytes of its size are (the codec is plain): loadRaw decodes
// them.
func (k *Kernel[A, R]) plainItems(args *wire.Items) bool {
	return k.arg.plain && args.Stride() == k.arg.stride
}

// plainValues reports whether a task's values are the raw bytes of Rs
// that any bytes of their size are: the strided layout of the result's
// own size, and a plain codec.
func (k *Kernel[A, R]) plainValues(stride uint32) bool {
	return k.out.plain && stride != 0 && stride == k.out.stride
}

// runner returns the kernel's kernelInfo.run: fn over a task's items.
func (k *Kernel[A, R]) runner(fn func(*Env, A) (R, error)) func(*Env, *wire.Items, uint32, *wire.ValueWriter) error {
	return func(env *Env, args *wire.Items, n uint32, out *wire.ValueWriter) error {
		for i := uint32(0); i < n; {
			var err error
			if i, err = k.runFrom(env, fn, args, i, n, out); err != nil {
				return err
			}
		}
		return nil
	}
}

// runFrom runs fn over items i to n-1 and returns n, unless an item
// panics: the panic is that item's outcome, and runFrom returns the index
// of the next one. So a task pays for one deferred recover, not one per
// item.
func (k *Kernel[A, R]) runFrom(env *Env, fn func(*Env, A) (R, error), args *wire.Items, i, n uint32, out *wire.ValueWriter) (next uint32, err error) {
	defer func() {
		if r := recover(); r != nil {
			out.Abort() // a result's encoding may have panicked half-way
			out.Scratch = appendPanic(out.Scratch[:0], r)
			out.Add(wire.StatusPanic, out.Scratch)
			next, err = i+1, nil
		}
	}()
	plain := k.plainItems(args)
	for ; i < n; i++ {
		item, ok := args.NextStrided()
		if !ok {
			if item, err = args.Next(); err != nil {
				return i, fmt.Errorf("item %d: %w", i, err)
			}
		}
		out.Mark()
		var a A
		if plain {
			a = loadRaw[A](item)
		} else if a, err = k.args.Decode(item); err != nil {
			out.Scratch = fmt.Appendf(out.Scratch[:0], "decode argument: %v", err)
			out.Add(wire.StatusError, out.Scratch)
			continue
		}
		r, err := fn(env, a)
		switch {
		case err != nil:
			out.Scratch = append(out.Scratch[:0], err.Error()...)
			out.Add(errorStatus(err), out.Scratch)
		case out.Strided(): // the result codec is raw: its Append is a copy
			out.B = appendRaw(out.B, r)
			out.Wrote()
		default:
			out.Scratch = k.res.Append(out.Scratch[:0], r)
			out.Add(wire.StatusOk, out.Scratch)
		}
	}
	return n, nil
}
