package proxy

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shmrun/shmrun/internal/mono"
	"github.com/shmrun/shmrun/proxy/internal/envelope"
)

// A call to an object homed in the calling process runs on the caller's
// goroutine: no slot, no futex, no other goroutine to wake, which on a
// machine whose cores all run kernels could wait for the scheduler for
// milliseconds. It still goes through the codecs and the same dispatch as
// a call from another process, in a turn (Options.Handlers), so arguments,
// errors, panics, deadlines and signatures behave the same. A call whose
// context can end runs on a goroutine of its own instead, so that its
// caller can give up at the deadline as a remote caller would.

// here holds the buffers of a call run in its home process, reused from
// call to call.
type here struct {
	args, out, text []byte
	enc             *envelope.Encoder
	st              envelope.Status
	done            chan struct{}
	state           atomic.Uint32 // hereRunning, hereDone or hereAbandoned, for a call on its own goroutine
}

const (
	hereRunning = iota
	hereDone
	hereAbandoned
)

var heres = sync.Pool{New: func() any { return &here{enc: envelope.NewEncoder(256), done: make(chan struct{}, 1)} }}

func getHere() *here { return heres.Get().(*here) }

func putHere(l *here) {
	l.state.Store(hereRunning)
	heres.Put(l)
}

// runHere runs a call (a post if oneWay) encoded in l.args on an object of
// this process. On success l.st and l.out hold the outcome, as a reply
// would, and the caller puts l back. It fails with the errors a remote
// caller sees before its call reaches the home (ErrDeadline, ErrTooLarge,
// ctx's, ErrClosed), or when the caller's context ends before a method
// running on its own goroutine returns; then l is no longer the caller's.
func (h *Hub) runHere(ctx context.Context, l *here, o *Object, method []byte, sig uint64, oneWay bool) error {
	c := envelope.CallMsg{Object: o.r.index, Generation: o.r.gen, Method: method, Signature: sig, Args: l.args, OneWay: oneWay}
	t, err := h.prepare(ctx, l, &c)
	if err != nil {
		putHere(l)
		return err
	}
	if oneWay || ctx.Done() == nil {
		h.runTurn(t, l, &c)
		return nil
	}
	cc := c // c stays on the stack in the common case above
	go func() {
		h.runTurn(t, l, &cc)
		if !l.state.CompareAndSwap(hereRunning, hereDone) {
			putHere(l) // the caller gave up
			return
		}
		l.done <- struct{}{}
	}()
	select {
	case <-l.done:
		return nil
	case <-ctx.Done():
		err = ctxError(ctx)
	case <-h.done:
		err = ErrClosed
	}
	if l.state.CompareAndSwap(hereRunning, hereAbandoned) {
		return err
	}
	<-l.done // it finished meanwhile
	return nil
}

// prepare checks a call to run here as its caller and its home would
// before it runs (deadline, size), and takes a turn for it.
func (h *Hub) prepare(ctx context.Context, l *here, c *envelope.CallMsg) (*turn, error) {
	if dl, ok := ctx.Deadline(); ok {
		if time.Until(dl) <= 0 {
			return nil, errDeadline
		}
		c.Deadline = mono.Of(dl)
	}
	if n := len(l.enc.Call(*c)); n > h.sh.slotSize { // the size it would have in a slot
		return nil, fmt.Errorf("%w: a call of %d bytes, slots hold %d", ErrTooLarge, n, h.sh.slotSize)
	}
	t, err := h.take(ctx)
	if err == nil {
		h.counters.here.Add(1)
	}
	return t, err
}

// runTurn runs call c in a section of turn t, then ends it, leaving the
// outcome in l as a reply would carry it (a result too large for a slot is
// ErrTooLarge).
func (h *Hub) runTurn(t *turn, l *here, c *envelope.CallMsg) {
	t.begin()
	from := caller{endpoint: h.me, epoch: h.epoch}
	if c.OneWay {
		l.out = h.runPost(from, c, l.out[:0])
		t.end()
		return
	}
	out, st := h.dispatch(from, c, l.out[:0])
	t.end()
	h.counters.served.Add(1)
	l.out = out
	r, _ := reply(l.enc, 0, st, out, h.sh.slotSize, &l.text)
	l.st = r.Status
	if r.Status == envelope.StatusTooLarge {
		l.out = r.Error
	}
}

// callHere is Call on an object homed in this process.
func (s *Stub[A, R]) callHere(ctx context.Context, arg A) (R, error) {
	var zero R
	o := s.obj
	l := getHere()
	l.args = s.args.Append(l.args[:0], arg)
	o.h.counters.calls.Add(1)
	if err := o.h.runHere(ctx, l, o, s.method, s.sig, false); err != nil {
		return zero, s.fail(err)
	}
	if l.st != envelope.StatusOk {
		err := replyError(o, s.method, &envelope.ReplyMsg{Status: l.st, Error: l.out})
		putHere(l)
		return zero, s.fail(err)
	}
	r, err := s.res.Decode(l.out)
	putHere(l)
	if err != nil {
		return zero, s.fail(fmt.Errorf("%w: decode result: %w", ErrBadArgument, err))
	}
	return r, nil
}

// postHere is Post to an object homed in this process: it runs the method
// before it returns.
func (s *Stub[A, R]) postHere(ctx context.Context, arg A) error {
	o := s.obj
	l := getHere()
	l.args = s.args.Append(l.args[:0], arg)
	if err := o.h.runHere(ctx, l, o, s.method, s.sig, true); err != nil {
		return s.fail(err)
	}
	putHere(l)
	o.h.counters.posts.Add(1)
	return nil
}
