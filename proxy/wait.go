package proxy

import (
	"context"
	"errors"
	"fmt"

	"github.com/shmrun/shmrun/internal/spinwait"
	"github.com/shmrun/shmrun/proxy/internal/envelope"
)

// wait blocks until the call has its reply: it polls for a while (learnt:
// Hub.callSpin), then sleeps on the slot's futex word, which the home
// rings when it answers, and the master when a process dies or the hub
// closes. On an error the slot has been released, or orphaned if its home
// still holds the call.
func (c *call) wait(ctx context.Context) error {
	spin := c.h.callSpin
	sp := spin.Start()
	for {
		if done, err := c.poll(); done {
			if err == nil {
				spin.Done(&sp)
			}
			return c.finish(err)
		}
		if !sp.More() {
			break
		}
	}
	sp.Sleeping()
	err := c.sleep(ctx)
	if err == nil {
		spin.Done(&sp)
	}
	return err
}

// sleep waits on the slot's wake word until the call is over or ctx ends.
// Only a context that can end costs an allocation: the hook that rings the
// word when it does.
func (c *call) sleep(ctx context.Context) error {
	word := &c.hdr.wake
	c.hdr.sleep.Store(wakeCaller) // from now on the home rings the word
	for {
		v := word.Load()
		if done, err := c.poll(); done {
			return c.finish(err)
		}
		if ctx.Err() != nil {
			c.abandon()
			return ctxError(ctx)
		}
		_ = spinwait.Sleep(ctx, word, v, true) // the loop re-checks ctx
	}
}

// poll reports whether the call is over, and how.
func (c *call) poll() (bool, error) {
	gen, st := unpack(c.hdr.state.Load())
	switch {
	case gen == c.gen && slotState(st) == slotReplied:
		return true, nil
	case gen != c.gen || (slotState(st) != slotRequested && slotState(st) != slotRunning):
		return true, fmt.Errorf("%w: call slot %d went from generation %d to %d, state %d", ErrCorrupt, c.idx, c.gen, gen, st)
	case c.h.sh.endpoint(c.home).epoch.Load() != c.epoch:
		return true, ErrHomeDied
	case c.h.isClosed():
		return true, ErrClosed
	}
	return false, nil
}

// finish gives the slot up after a failed wait; a successful one keeps it
// for the reply.
func (c *call) finish(err error) error {
	if err != nil {
		c.abandon()
	}
	return err
}

// abandon withdraws a call nobody waits for any more: if its home has not
// claimed it, it never will; otherwise the slot waits as an orphan until
// the home answers or dies.
func (c *call) abandon() {
	gen := c.gen
	c.hdr.state.CompareAndSwap(pack(gen, uint8(slotRequested)), pack(gen, uint8(slotAbandoned)))
	if c.reclaimable() {
		c.release()
		return
	}
	c.orphaned()
}

// ctxError is the error of a call whose context ended.
func ctxError(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return errDeadline
	}
	return ctx.Err()
}

// result decodes the reply in the slot. On success it returns the result
// bytes, which alias c.reply until the caller releases the slot; on
// failure the slot is released.
func (c *call) result(o *Object, method []byte) ([]byte, error) {
	n := int(c.hdr.length.Load())
	if n > len(c.buf) {
		c.release()
		return nil, fmt.Errorf("%w: a reply of %d bytes in a slot of %d", ErrMalformed, n, len(c.buf))
	}
	c.reply = append(c.reply[:0], c.buf[:n]...) // the home could still scribble on buf
	err := envelope.Decode(c.reply, &c.msg)
	r := &c.msg.Reply
	switch {
	case err != nil:
		err = fmt.Errorf("%w: %w", ErrMalformed, err)
	case c.msg.Type != envelope.BodyReply || r.ID != callID(c.gen, c.h.me, c.idx):
		err = fmt.Errorf("%w: %v %#x answers call %#x", ErrMalformed, c.msg.Type, r.ID, callID(c.gen, c.h.me, c.idx))
	case r.Status == envelope.StatusOk:
		return r.Result, nil
	default:
		err = replyError(o, method, r)
	}
	c.release()
	return nil, err
}

// replyError turns a reply's status and text into the package's errors.
func replyError(o *Object, method []byte, r *envelope.ReplyMsg) error {
	var sentinel error
	switch r.Status {
	case envelope.StatusError, envelope.StatusPanic:
		return &RemoteError{Object: o.name, Method: string(method), Msg: string(r.Error), Panic: r.Status == envelope.StatusPanic}
	case envelope.StatusDeadline:
		return errDeadline
	case envelope.StatusUnknownObject:
		sentinel = ErrUnknownObject
	case envelope.StatusUnknownMethod:
		sentinel = ErrUnknownMethod
	case envelope.StatusBadArgument:
		sentinel = ErrBadArgument
	case envelope.StatusTooLarge:
		sentinel = ErrTooLarge
	case envelope.StatusMalformed:
		sentinel = ErrMalformed
	default:
		return fmt.Errorf("%w: reply status %d", ErrMalformed, r.Status)
	}
	return fmt.Errorf("%w: %s", sentinel, r.Error)
}
