package proxy

import (
	"context"
	"fmt"
	"math/bits"
	"time"

	"github.com/shmrun/shmrun/internal/futex"
	"github.com/shmrun/shmrun/proxy/internal/envelope"
)

// handler is one of a process's goroutines that run calls, with the
// buffers it reuses from call to call.
type handler struct {
	h    *Hub
	next int // the caller endpoint to look at first, rotating for fairness
	enc  *envelope.Encoder
	req  []byte // a private copy of the call, decoded from here
	out  []byte
	msg  envelope.Msg
}

// handle takes requests posted to this process and runs them, one at a
// time, until the hub closes.
func (h *Hub) handle() {
	defer h.wg.Done()
	w := &handler{h: h, enc: envelope.NewEncoder(256)}
	for {
		if caller, slot, ok := w.take(); ok {
			w.serve(caller, slot)
			continue
		}
		if !w.idle() {
			return
		}
	}
}

// take claims one posted request: a bit in this endpoint's pending row.
// When more remain in the word it took from, it rings for another
// handler.
func (w *handler) take() (caller, slot int, ok bool) {
	sh, me := w.h.sh, w.h.me
	for k := range sh.endpoints {
		c := (w.next + k) % sh.endpoints
		p := sh.pending(me, c)
		v := p.Load()
		if v == 0 {
			continue
		}
		bit := v & -v
		if old := p.And(^bit); old&bit != 0 {
			if old&^bit != 0 {
				w.h.ring(me)
			}
			w.next = c + 1
			return c, bits.TrailingZeros64(bit), true
		}
	}
	return 0, 0, false
}

// anyPending reports whether a request is posted to this endpoint.
func (w *handler) anyPending() bool {
	sh, me := w.h.sh, w.h.me
	for c := range sh.endpoints {
		if sh.pending(me, c).Load() != 0 {
			return true
		}
	}
	return false
}

// ring wakes one sleeping handler of endpoint home, unless one of its
// handlers is polling anyway.
func (h *Hub) ring(home int) {
	ep := h.sh.endpoint(home)
	if ep.sleepers.Load() != 0 && ep.spinners.Load() == 0 {
		ep.bell.Add(1)
		futex.Wake(&ep.bell, 1)
	}
}

// idle waits for a request: one handler at a time polls for a while
// (learnt, see spinBudget), the others sleep on the endpoint's bell. It
// returns false once the hub closed.
func (w *handler) idle() bool {
	h := w.h
	ep := h.sh.endpoint(h.me)
	poller := ep.spinners.CompareAndSwap(0, 1)
	var sp spinner
	if poller {
		sp = h.idleSpin.spinner()
		for sp.more() {
			if w.anyPending() {
				ep.spinners.Store(0)
				h.idleSpin.learn(&sp, true)
				return !h.isClosed()
			}
		}
		ep.spinners.Store(0)
	}
	v := ep.bell.Load()
	ep.sleepers.Add(1)
	if !w.anyPending() && !h.isClosed() {
		futex.WaitLong(&ep.bell, v, maxSleep)
	}
	ep.sleepers.Add(^uint32(0))
	if poller {
		h.idleSpin.learn(&sp, false)
	}
	return !h.isClosed()
}

// serve runs the request in slot of endpoint caller, if it is still a
// request for this incarnation of this process, and answers it in place.
func (w *handler) serve(caller, slot int) {
	h := w.h
	hdr, buf := h.sh.slot(caller, slot)
	v := hdr.state.Load()
	gen, st := unpack(v)
	if slotState(st) != slotRequested || int(hdr.home.Load()) != h.me || hdr.homeEpoch.Load() != h.epoch {
		return
	}
	cep := h.sh.endpoint(caller)
	if hdr.callerEpoch.Load() != cep.epoch.Load() { // the caller died since
		hdr.state.CompareAndSwap(v, pack(gen, uint8(slotAbandoned)))
		return
	}
	if !hdr.state.CompareAndSwap(v, pack(gen, uint8(slotRunning))) {
		return
	}
	reply := w.run(caller, callID(gen, caller, slot), hdr, buf)
	copy(buf, reply)
	hdr.length.Store(uint32(len(reply)))
	hdr.state.Store(pack(gen, uint8(slotReplied)))
	h.counters.served.Add(1)
	switch hdr.sleep.Load() {
	case wakeCaller:
		hdr.wake.Add(1)
		futex.Wake(&hdr.wake, 1)
	case wakeOrphan:
		cep.replyBell.Add(1)
		futex.Wake(&cep.replyBell, 1)
	}
}

// run decodes and runs the call in buf and returns the encoded reply,
// which fits in the slot.
func (w *handler) run(caller int, id uint64, hdr *slotHeader, buf []byte) []byte {
	n := int(hdr.length.Load())
	if n > len(buf) {
		return w.malformed(caller, id, fmt.Errorf("%w: a call of %d bytes in a slot of %d", envelope.ErrMalformed, n, len(buf)))
	}
	w.req = append(w.req[:0], buf[:n]...) // the caller could change buf under us
	if err := envelope.Decode(w.req, &w.msg); err != nil {
		return w.malformed(caller, id, err)
	}
	if w.msg.Type != envelope.BodyCall || w.msg.Call.ID != id {
		return w.malformed(caller, id, fmt.Errorf("%w: %v %#x in call slot %#x", envelope.ErrMalformed, w.msg.Type, w.msg.Call.ID, id))
	}
	out, st := w.dispatch(caller, hdr, &w.msg.Call)
	w.out = out
	r := envelope.ReplyMsg{ID: id, Status: st}
	if st == envelope.StatusOk {
		r.Result = out
	} else {
		r.Error = out
	}
	if reply := w.enc.Reply(r); len(reply) <= len(buf) {
		return reply
	}
	w.out = fmt.Appendf(w.out[:0], "%s of %d bytes does not fit a slot of %d", r.Status, len(out), len(buf))
	return w.enc.Reply(envelope.ReplyMsg{ID: id, Status: envelope.StatusTooLarge, Error: w.out})
}

// dispatch finds the method and runs it, appending its result or error
// text to w.out.
func (w *handler) dispatch(from int, hdr *slotHeader, c *envelope.CallMsg) ([]byte, envelope.Status) {
	h := w.h
	out := w.out[:0]
	var s *served
	if int(c.Object) < len(h.objs) {
		s = h.objs[c.Object].Load()
	}
	if s == nil || s.ref.gen != c.Generation {
		return fmt.Appendf(out, "no object at entry %d generation %d here", c.Object, c.Generation), envelope.StatusUnknownObject
	}
	m := s.svc.methods[string(c.Method)]
	switch {
	case m == nil:
		return fmt.Appendf(out, "%s has no method %q", s.svc.name, c.Method), envelope.StatusUnknownMethod
	case m.sig != c.Signature:
		return fmt.Appendf(out, "%s.%s takes other argument or result types", s.svc.name, m.name), envelope.StatusBadArgument
	}
	ctx := h.base
	if c.Deadline != 0 {
		left := time.Duration(c.Deadline - monoNow())
		if left <= 0 {
			return append(out, context.DeadlineExceeded.Error()...), envelope.StatusDeadline
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, left)
		defer cancel()
	}
	return m.run(ctx, caller{endpoint: from, epoch: hdr.callerEpoch.Load()}, c.Args, out)
}

// malformed counts and logs an envelope that did not verify, and answers
// it with an error so that its caller does not wait for nothing.
func (w *handler) malformed(caller int, id uint64, err error) []byte {
	n := w.h.counters.malformed.Add(1)
	if n&(n-1) == 0 { // the 1st, 2nd, 4th, 8th...: a flood does not flood the log
		w.h.log.Warn("proxy: malformed call", "from", caller, "err", err, "count", n)
	}
	w.out = append(w.out[:0], err.Error()...)
	return w.enc.Reply(envelope.ReplyMsg{ID: id, Status: envelope.StatusMalformed, Error: w.out})
}

// callID is the id of the call a slot carries: its use count, the caller's
// endpoint and the slot. A slot's use count only grows, through every
// incarnation of its process, so an id is never reused.
func callID(gen uint64, caller, slot int) uint64 {
	return gen<<20 | uint64(caller)<<6 | uint64(slot)
}
