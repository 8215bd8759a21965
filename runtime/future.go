package runtime

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/shmrun/shmrun/internal/mono"
	"github.com/shmrun/shmrun/runtime/internal/wire"
)

// Future is the pending result of one submitted task. It is a small value:
// copy it freely. Wait delivers the result once; a Future may be used from
// one goroutine at a time, though Cancel may be called concurrently with
// Wait.
type Future[R any] struct {
	p    *Pool
	t    *task
	gen  uint32
	k    *kernelInfo
	dec  Codec[R]
	none bool
}

// argBufs holds scratch buffers for encoding one argument.
var argBufs = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

// sizer is implemented by codecs that know an encoding's length before
// encoding: the length prefix is then written first, with no shuffling.
type sizer[T any] interface{ size(v T) int }

// sizerOf returns c's sizer, or nil: resolved once, at registration, not
// per item.
func sizerOf[A any](c Codec[A]) sizer[A] {
	sz, _ := c.(sizer[A])
	return sz
}

// encodeItem encodes v as one item of an args blob into buf, which the
// caller returns to argBufs.
func encodeItem[A any](buf *[]byte, c Codec[A], sz sizer[A], v A) []byte {
	*buf = appendItem((*buf)[:0], c, sz, v)
	return *buf
}

// appendItem appends v as one item of an args blob: a uvarint length, then
// the encoding. sz is the codec's sizer, or nil; then the encoding goes
// after room for the longest length, which is moved into place after.
func appendItem[A any](dst []byte, c Codec[A], sz sizer[A], v A) []byte {
	if sz != nil {
		return c.Append(binary.AppendUvarint(dst, uint64(sz.size(v))), v)
	}
	const pre = binary.MaxVarintLen64
	start := len(dst)
	dst = c.Append(append(dst, make([]byte, pre)...), v)
	var tmp [pre]byte
	n := binary.PutUvarint(tmp[:], uint64(len(dst)-start-pre))
	copy(dst[start:], tmp[:n])
	copy(dst[start+n:], dst[start+pre:])
	return dst[:len(dst)-(pre-n)]
}

// Submit runs the kernel on arg in some worker and returns its Future. It
// blocks while every worker has Options.QueueDepth tasks in flight. ctx's
// deadline becomes the task's deadline (the kernel's context expires with
// it), and cancelling ctx cancels the task.
func (k *Kernel[A, R]) Submit(ctx context.Context, p *Pool, arg A) (Future[R], error) {
	buf := argBufs.Get().(*[]byte)
	args := encodeItem(buf, k.args, k.argSize, arg)
	var deadline int64
	if dl, ok := ctx.Deadline(); ok {
		deadline = mono.Of(dl)
	}
	t, gen, err := p.submit(ctx, submission{kernel: k.info, args: args, items: 1, deadline: deadline})
	argBufs.Put(buf)
	if err != nil {
		return Future[R]{none: true}, fmt.Errorf("submit %s: %w", k.info.name, err)
	}
	f := Future[R]{p: p, t: t, gen: gen, k: k.info, dec: k.res}
	if ctx.Done() != nil {
		stop := context.AfterFunc(ctx, func() { p.abandon(t, gen, context.Cause(ctx)) })
		p.mu.Lock()
		if t.gen == gen && t.state != taskFree {
			t.stopCtx = stop
		} else {
			stop()
		}
		p.mu.Unlock()
	}
	return f, nil
}

// Run submits the kernel on arg and waits for its result.
func (k *Kernel[A, R]) Run(ctx context.Context, p *Pool, arg A) (R, error) {
	f, err := k.Submit(ctx, p, arg)
	if err != nil {
		var zero R
		return zero, err
	}
	return f.Wait(ctx)
}

// Wait blocks until the task has a result, or ctx ends (then the task goes
// on and Wait may be called again). It returns the kernel's result or
// error: a *KernelError for an error or panic in the kernel, a *CrashError
// for a task that kept killing workers, ErrCancelled after Cancel,
// context.DeadlineExceeded past the task's deadline, ErrClosed if the pool
// closed first. After it delivered a result, the Future is spent and Wait
// returns ErrSpent.
func (f Future[R]) Wait(ctx context.Context) (R, error) {
	var zero R
	if f.none {
		return zero, ErrSpent
	}
	p, t := f.p, f.t
	p.mu.Lock()
	if t.gen != f.gen {
		p.mu.Unlock()
		if t.abandonedGen == f.gen {
			return zero, ErrCancelled
		}
		return zero, ErrSpent
	}
	for t.state != taskDone && !t.abandoned {
		t.waiters++
		p.mu.Unlock()
		select {
		case <-t.done:
		case <-ctx.Done():
		}
		p.mu.Lock()
		t.waiters--
		if t.state != taskDone && !t.abandoned && ctx.Err() != nil {
			p.mu.Unlock()
			return zero, ctx.Err()
		}
	}
	if t.abandoned {
		err := t.cause
		if t.state == taskDone && t.waiters == 0 {
			p.tasks.release(t)
		}
		p.mu.Unlock()
		return zero, err
	}
	t.state = taskClaimed
	p.mu.Unlock()
	v, err := f.outcome()
	p.mu.Lock()
	p.tasks.release(t)
	p.mu.Unlock()
	return v, err
}

// Done reports whether Wait would return without blocking.
func (f Future[R]) Done() bool {
	if f.none {
		return true
	}
	f.p.mu.Lock()
	defer f.p.mu.Unlock()
	t := f.t
	return t.gen != f.gen || t.state == taskDone || t.abandoned
}

// Cancel gives up on the task: a queued task never runs, a running one has
// its kernel's context cancelled, and Wait returns ErrCancelled. Cancel
// after Wait delivered the result does nothing.
func (f Future[R]) Cancel() {
	if !f.none {
		f.p.abandon(f.t, f.gen, nil)
	}
}

// abandon marks a task as given up by its owner, for the given cause (nil
// for a plain Cancel), and frees it as soon as the system no longer needs
// it.
func (p *Pool) abandon(t *task, gen uint32, cause error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if t.gen != gen || t.abandoned || t.state == taskClaimed || t.state == taskFree {
		return
	}
	t.abandoned = true
	t.cause = ErrCancelled
	if cause != nil {
		t.cause = fmt.Errorf("%w: %w", ErrCancelled, cause)
	}
	switch t.state {
	case taskQueued:
		p.unqueueLocked(t)
		p.finishLocked(t)
	case taskInflight:
		if t.inc != nil { // nil: a host answered, and its hedge runs
			t.inc.live.cancel(t.id())
		}
		if t.hedge != nil {
			t.hedge.live.cancel(t.id())
		}
		if t.waiters > 0 {
			t.signal()
		}
	case taskDone:
		if t.waiters == 0 {
			p.tasks.release(t)
		} else {
			t.signal()
		}
	}
}

// unqueueLocked takes a queued task off the pending list.
func (p *Pool) unqueueLocked(t *task) {
	for i, q := range p.pending {
		if q == t {
			p.pending = append(p.pending[:i], p.pending[i+1:]...)
			return
		}
	}
}

// outcome turns the stored result of a single-item task into (R, error).
func (f Future[R]) outcome() (R, error) {
	t := f.t
	var zero R
	if t.err != nil {
		return zero, t.err
	}
	if t.status != wire.StatusOk {
		return zero, taskError(f.k, t.status, t.errMsg)
	}
	vals := wire.ValuesOf(t.values, t.vals)
	st, b, err := vals.Next()
	if err != nil {
		return zero, fmt.Errorf("%w: %w", ErrProtocol, err)
	}
	return decodeOutcome(f.k, f.dec, st, b)
}

// decodeOutcome turns one item's outcome into (R, error).
func decodeOutcome[R any](k *kernelInfo, dec Codec[R], st wire.Status, b []byte) (R, error) {
	if st != wire.StatusOk {
		var zero R
		return zero, itemError(k, st, b)
	}
	v, err := dec.Decode(b)
	if err != nil {
		return v, fmt.Errorf("kernel %s: decode result: %w", k.name, err)
	}
	return v, nil
}

// taskError is the error of a task whose status is not Ok: the worker did
// not run it (cancelled, past its deadline) or could not (an unknown
// kernel, a malformed args blob).
func taskError(k *kernelInfo, st wire.Status, msg []byte) error {
	switch st {
	case wire.StatusCancelled:
		return ErrCancelled
	case wire.StatusDeadline:
		return context.DeadlineExceeded
	}
	return &KernelError{Kernel: k.name, Msg: string(msg)}
}

// itemError is the error of an item whose status is not Ok: what its
// kernel returned or raised.
func itemError(k *kernelInfo, st wire.Status, msg []byte) error {
	e := &KernelError{Kernel: k.name, Msg: string(msg)}
	switch st {
	case wire.StatusPanic:
		e.Panic = true
		if v, stack, err := wire.SplitPanic(msg); err == nil {
			e.Msg, e.Stack = string(v), string(stack)
		}
	case wire.StatusDeadline:
		e.Cause = context.DeadlineExceeded
	case wire.StatusCancelled:
		e.Cause = context.Canceled
	}
	return e
}
