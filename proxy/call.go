package proxy

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shmrun/shmrun/internal/mono"
	"github.com/shmrun/shmrun/proxy/internal/envelope"
	"github.com/shmrun/shmrun/runtime"
)

// Object is a proxy: a handle on an object served in some process, maybe
// this one. It is a small immutable value, safe for concurrent use; make
// calls through it with a Stub or Call.
type Object struct {
	h    *Hub
	name string
	r    ref
}

// Dial returns a proxy to the object served under name. It does not wait:
// it fails with ErrUnknownObject if nothing is served under name now, or
// ErrHomeDied if its home process died. A proxy stays bound to the object
// it found: if the object is withdrawn its calls fail with
// ErrUnknownObject, if its home dies with ErrHomeDied, and Dial again finds
// whatever is served under the name then.
func (h *Hub) Dial(name string) (*Object, error) {
	if h.isClosed() {
		return nil, ErrClosed
	}
	r, err := h.sh.lookup(name)
	if err != nil {
		return nil, err
	}
	return &Object{h: h, name: name, r: r}, nil
}

// Name returns the name the object was served under.
func (o *Object) Name() string { return o.name }

// Home returns the process the object lives in: 0 for the master, w+1 for
// worker w.
func (o *Object) Home() int { return o.r.home }

// Stub is a typed caller of one method of an object: the method's name,
// its codecs and its signature, resolved once. It is safe for concurrent
// use; a call through it allocates nothing in the steady state when the
// argument and result codecs do not (runtime.CodecFor's raw and string
// codecs do not).
type Stub[A, R any] struct {
	obj    *Object
	method []byte
	sig    uint64
	args   runtime.Codec[A]
	res    runtime.Codec[R]
}

// NewStub returns a stub for method of obj with the default codecs
// (runtime.CodecFor), which must be the method's argument and result types.
func NewStub[A, R any](obj *Object, method string) *Stub[A, R] {
	return NewStubCodec(obj, method, runtime.CodecFor[A](), runtime.CodecFor[R]())
}

// NewStubCodec is NewStub with explicit codecs, the ones the method was
// registered with.
func NewStubCodec[A, R any](obj *Object, method string, args runtime.Codec[A], res runtime.Codec[R]) *Stub[A, R] {
	return &Stub[A, R]{obj: obj, method: []byte(method), sig: signature[A, R](), args: args, res: res}
}

// Call calls method of obj once with the default codecs; see Stub.Call.
func Call[A, R any](ctx context.Context, obj *Object, method string, arg A) (R, error) {
	return NewStub[A, R](obj, method).Call(ctx, arg)
}

// Call runs the method on arg in the object's home and returns its result.
// It blocks until the reply comes, the home dies (ErrHomeDied, at once),
// ctx ends (ErrDeadline, which matches context.DeadlineExceeded too, or
// ctx's error) or the hub closes (ErrClosed). ctx's deadline travels with
// the call and bounds the method's own context. The method's error comes
// back as a *RemoteError (ErrRemote; ErrPanic for a panic); the home may
// also answer ErrUnknownObject, ErrUnknownMethod, ErrBadArgument or
// ErrTooLarge. If the caller gives up, a method already running is not
// stopped, and its result is dropped.
//
// When the object lives in the calling process the method runs on the
// caller's goroutine, in one of the process's turns (Options.Handlers),
// without a slot or a wake-up; if ctx can end, on a goroutine of its own,
// which costs an allocation, so that the caller can give up on time.
func (s *Stub[A, R]) Call(ctx context.Context, arg A) (R, error) {
	var zero R
	o := s.obj
	h := o.h
	if err := o.check(); err != nil {
		return zero, s.fail(err)
	}
	if o.r.home == h.me {
		return s.callHere(ctx, arg)
	}
	c, err := h.acquire(ctx)
	if err != nil {
		return zero, s.fail(err)
	}
	c.args = s.args.Append(c.args[:0], arg)
	result, err := c.do(ctx, o, s.method, s.sig)
	if err != nil {
		return zero, s.fail(err)
	}
	r, err := s.res.Decode(result)
	c.release()
	if err != nil {
		return zero, s.fail(fmt.Errorf("%w: decode result: %w", ErrBadArgument, err))
	}
	return r, nil
}

// fail adds the object and method to a call's error.
func (s *Stub[A, R]) fail(err error) error {
	var re *RemoteError
	if errors.As(err, &re) {
		return err
	}
	return fmt.Errorf("proxy: call %s.%s: %w", s.obj.name, s.method, err)
}

// check fails a call that cannot succeed: the hub closed, the object's
// home died or the object was withdrawn.
func (o *Object) check() error {
	sh := o.h.sh
	switch {
	case o.h.isClosed():
		return ErrClosed
	case sh.endpoint(o.r.home).epoch.Load() != o.r.epoch:
		return ErrHomeDied
	}
	gen, st := unpack(sh.dir[o.r.index].state.Load())
	switch {
	case gen == o.r.gen && entryState(st) == entryLive:
		return nil
	case gen == o.r.gen && entryState(st) == entryDead:
		return ErrHomeDied
	}
	return ErrUnknownObject
}

// do sends the call encoded from c.args and waits for its reply. On
// success it returns the result, which aliases c's buffers until
// c.release; on failure the slot was released or orphaned already.
func (c *call) do(ctx context.Context, o *Object, method []byte, sig uint64) ([]byte, error) {
	if err := c.send(ctx, o, method, sig, sendCall); err != nil {
		return nil, err
	}
	c.h.counters.calls.Add(1)
	if err := c.wait(ctx); err != nil {
		return nil, err
	}
	return c.result(o, method)
}

// send encodes the call (a post if oneWay) from c.args into the slot and
// posts it. On failure the slot is released.
// sendKind is what send sends: a call, or a post that rings its home or
// leaves it to find the post on its own (PostLazy).
type sendKind uint8

const (
	sendCall sendKind = iota
	sendPost
	sendLazyPost
)

func (c *call) send(ctx context.Context, o *Object, method []byte, sig uint64, kind sendKind) error {
	oneWay := kind != sendCall
	var deadline int64
	if dl, ok := ctx.Deadline(); ok {
		if time.Until(dl) <= 0 {
			c.release()
			return errDeadline
		}
		deadline = mono.Of(dl)
	}
	gen, _ := unpack(c.hdr.state.Load())
	gen++
	frame := c.enc.Call(envelope.CallMsg{ID: callID(gen, c.h.me, c.idx), Object: o.r.index, Generation: o.r.gen,
		Method: method, Signature: sig, Deadline: deadline, Args: c.args, OneWay: oneWay})
	if len(frame) > len(c.buf) {
		c.release()
		return fmt.Errorf("%w: a call of %d bytes, slots hold %d", ErrTooLarge, len(frame), len(c.buf))
	}
	copy(c.buf, frame)
	c.publish(o, gen, len(frame), kind != sendLazyPost)
	return nil
}

// publish publishes the call in the slot and, if ring, rings the home.
func (c *call) publish(o *Object, gen uint64, n int, ring bool) {
	h, hdr := c.h, c.hdr
	hdr.length.Store(uint32(n))
	hdr.home.Store(uint32(o.r.home))
	hdr.homeEpoch.Store(o.r.epoch)
	hdr.callerEpoch.Store(h.epoch)
	hdr.sleep.Store(wakeNone)
	c.gen, c.home, c.epoch = gen, o.r.home, o.r.epoch
	hdr.state.Store(pack(gen, uint8(slotRequested)))
	h.sh.pending(o.r.home, h.me).Or(1 << c.idx)
	if ring {
		h.ring(o.r.home)
	}
}
