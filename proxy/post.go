package proxy

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/shmrun/shmrun/proxy/internal/envelope"
)

// Post delivers a one-way call of the method on arg: it returns once the
// call is in one of this process's call slots and its home has been
// signalled, without waiting for the method to run; when the object lives
// in this process, once the method ran, on the caller's goroutine (in a
// turn, see Options.Handlers). The method's result is dropped. Its error,
// its panic, or a call it cannot run (the object withdrawn meanwhile, a
// deadline passed) is counted in the home's Stats.PostErrors and logged
// there at Debug level, and does not reach the caller.
//
// Post fails like Call for what it can know at once: ErrHomeDied,
// ErrUnknownObject, ErrClosed, ErrTooLarge, ErrDeadline. Without a free
// slot it waits for one, or for ctx to end (its error). ctx's deadline
// travels with the post and bounds the method's own context, as for Call.
//
// Posts are not ordered: a home runs the posts of a caller, and of all
// callers, on up to Options.Handlers goroutines at once, in any order.
// Each delivered post runs once, even if its caller dies meanwhile, unless
// its home dies first. Drain, in the home, waits for the posts delivered so
// far; a Call made after Posts may run before them.
//
// A post's slot comes back to its caller once the home has read the call;
// a process that posts faster than its homes read reuses its 64 slots and
// then waits.
func (s *Stub[A, R]) Post(ctx context.Context, arg A) error {
	return s.post(ctx, arg, sendPost)
}

// PostLazy is Post without the signal: the post goes into a call slot and
// its home is not woken for it. The home runs it when one of its handlers
// next looks at its slots: while it polls for work, when another call or
// post wakes it, in the home's next Drain, or when a handler's bounded
// futex sleep ends. A caller that has no free slot left rings the homes of its posts,
// so lazy posts never hold it up for long.
//
// Use it for reports whose home drains at known points, as cmd/trace's
// tile statistics are drained once a frame: on a machine whose cores are
// all busy, each signal costs the caller a system call and the home a
// wake-up, which preempts a worker. Otherwise it is Post: the same errors,
// the same at-most-once delivery, and when the object lives in this
// process the method runs at once, on the caller's goroutine.
func (s *Stub[A, R]) PostLazy(ctx context.Context, arg A) error {
	return s.post(ctx, arg, sendLazyPost)
}

func (s *Stub[A, R]) post(ctx context.Context, arg A, kind sendKind) error {
	o := s.obj
	h := o.h
	if err := o.check(); err != nil {
		return s.fail(err)
	}
	if o.r.home == h.me {
		return s.postHere(ctx, arg)
	}
	c, err := h.acquire(ctx)
	if err != nil {
		return s.fail(err)
	}
	if err := o.check(); err != nil { // the home may have died while we waited
		c.release()
		return s.fail(err)
	}
	c.args = s.args.Append(c.args[:0], arg)
	if err := c.send(ctx, o, s.method, s.sig, kind); err != nil {
		return s.fail(err)
	}
	c.orphan.Store(true) // the listener or acquire frees it once the home read it
	if h.sh.endpoint(h.me).slotWaiters.Load() != 0 {
		h.reclaim() // the home may have read it already, and rung before it was an orphan
	}
	h.counters.posts.Add(1)
	return nil
}

// runPost runs a post in this process and counts and logs its failure:
// its result goes nowhere. It returns out, to reuse.
func (h *Hub) runPost(from caller, c *envelope.CallMsg, out []byte) []byte {
	out, st := h.dispatch(from, c, out)
	h.counters.served.Add(1)
	if st != envelope.StatusOk {
		h.postFailed(from, c, st, out)
	}
	return out
}

// postFailed counts a post whose method failed or could not run, and
// logs it at Debug level.
func (h *Hub) postFailed(from caller, c *envelope.CallMsg, st envelope.Status, text []byte) {
	n := h.counters.postErrors.Add(1)
	if !h.log.Enabled(h.base, slog.LevelDebug) {
		return
	}
	name := fmt.Sprintf("entry %d", c.Object)
	if int(c.Object) < len(h.objs) {
		if s := h.objs[c.Object].Load(); s != nil {
			name = s.svc.name
		}
	}
	h.log.Debug("proxy: post failed", "object", name, "method", string(c.Method), "from", from.endpoint,
		"status", st.String(), "err", string(text), "count", n)
}

// reclaim frees the slots of this process's posts that their homes have
// read, and reports whether it freed any.
func (h *Hub) reclaim() bool {
	freed := false
	for _, c := range h.calls {
		if c.orphan.Load() && c.reclaimable() && c.orphan.CompareAndSwap(true, false) {
			c.release()
			freed = true
		}
	}
	return freed
}
