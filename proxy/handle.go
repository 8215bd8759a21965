package proxy

import (
	"context"
	"fmt"
	"math/bits"
	"time"

	"github.com/shmrun/shmrun/internal/futex"
	"github.com/shmrun/shmrun/internal/mono"
	"github.com/shmrun/shmrun/internal/spinwait"
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
// time, each in a section of a turn, until the hub closes.
func (h *Hub) handle() {
	defer h.wg.Done()
	w := newHandler(h)
	for {
		t, err := h.take(h.base)
		if err != nil {
			return
		}
		t.begin()
		caller, slot, ok := w.claim()
		if ok {
			w.serve(caller, slot)
		}
		t.end()
		if !ok && !w.idle() {
			return
		}
	}
}

func newHandler(h *Hub) *handler { return &handler{h: h, enc: envelope.NewEncoder(256)} }

// claim claims one posted request: a bit in this endpoint's pending row.
// When more remain in the word it took from, it rings for another
// handler.
func (w *handler) claim() (caller, slot int, ok bool) {
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
// (learnt: Hub.idleSpin), the others sleep on the endpoint's bell. It
// returns false once the hub closed.
func (w *handler) idle() bool {
	h := w.h
	ep := h.sh.endpoint(h.me)
	poller := ep.spinners.CompareAndSwap(0, 1)
	var sp spinwait.Spinner
	if poller {
		sp = h.idleSpin.Start()
		for sp.More() {
			if w.anyPending() {
				ep.spinners.Store(0)
				h.idleSpin.Done(&sp)
				return !h.isClosed()
			}
		}
		ep.spinners.Store(0)
		sp.Sleeping()
	}
	v := ep.bell.Load()
	ep.sleepers.Add(1)
	if !w.anyPending() && !h.isClosed() {
		_ = spinwait.Sleep(context.Background(), &ep.bell, v, true)
	}
	ep.sleepers.Add(^uint32(0))
	if poller {
		h.idleSpin.Done(&sp)
	}
	return !h.isClosed()
}

// serve runs the request in slot of endpoint src, if it is still a
// request for this incarnation of this process, and answers it in place;
// a post it hands back as soon as it has read it, then runs it.
func (w *handler) serve(src, slot int) {
	h := w.h
	hdr, buf := h.sh.slot(src, slot)
	v := hdr.state.Load()
	gen, st := unpack(v)
	if slotState(st) != slotRequested || int(hdr.home.Load()) != h.me || hdr.homeEpoch.Load() != h.epoch {
		return
	}
	if !hdr.state.CompareAndSwap(v, pack(gen, uint8(slotRunning))) {
		return
	}
	cep := h.sh.endpoint(src)
	id := callID(gen, src, slot)
	from := caller{endpoint: src, epoch: hdr.callerEpoch.Load()}
	if err := w.read(id, hdr, buf); err != nil {
		w.answer(hdr, buf, gen, cep, w.malformed(src, id, err))
		return
	}
	c := &w.msg.Call
	switch {
	case c.OneWay: // it runs even if its caller died since: Post returned
		settle(hdr, gen, slotConsumed, cep)
		w.out = h.runPost(from, c, w.out[:0])
	case from.epoch != cep.epoch.Load(): // the caller died: no one waits for the reply
		settle(hdr, gen, slotAbandoned, cep)
	default:
		out, st := h.dispatch(from, c, w.out[:0])
		w.out = out
		_, b := reply(w.enc, id, st, out, len(buf), &w.out)
		w.answer(hdr, buf, gen, cep, b)
	}
}

// read copies the call in buf out of shared memory and decodes it into
// w.msg, checking that it is the call the slot should hold.
func (w *handler) read(id uint64, hdr *slotHeader, buf []byte) error {
	n := int(hdr.length.Load())
	if n > len(buf) {
		return fmt.Errorf("%w: a call of %d bytes in a slot of %d", envelope.ErrMalformed, n, len(buf))
	}
	w.req = append(w.req[:0], buf[:n]...) // the caller could change buf under us
	if err := envelope.Decode(w.req, &w.msg); err != nil {
		return err
	}
	if w.msg.Type != envelope.BodyCall || w.msg.Call.ID != id {
		return fmt.Errorf("%w: %v %#x in call slot %#x", envelope.ErrMalformed, w.msg.Type, w.msg.Call.ID, id)
	}
	return nil
}

// answer writes the reply into the slot and tells the caller.
func (w *handler) answer(hdr *slotHeader, buf []byte, gen uint64, cep *endpointHeader, b []byte) {
	copy(buf, b)
	hdr.length.Store(uint32(len(b)))
	settle(hdr, gen, slotReplied, cep)
	w.h.counters.served.Add(1)
}

// settle ends the home's hold on a slot: it stores the slot's new state,
// then wakes the caller the way the slot asks, or the caller's listener
// when callers there wait for a free slot.
func settle(hdr *slotHeader, gen uint64, st slotState, cep *endpointHeader) {
	hdr.state.Store(pack(gen, uint8(st)))
	switch hdr.sleep.Load() {
	case wakeCaller:
		hdr.wake.Add(1)
		futex.Wake(&hdr.wake, 1)
	case wakeOrphan:
		spinwait.Kick(&cep.replyBell)
	default:
		if cep.slotWaiters.Load() != 0 {
			spinwait.Kick(&cep.replyBell)
		}
	}
}

// reply encodes with enc the reply to call id, with status st and out
// (the result or the error text), and returns it with its encoding; if that
// does not fit a slot of size bytes, a TooLarge reply instead, whose text
// it writes into *scratch (which may hold out).
func reply(enc *envelope.Encoder, id uint64, st envelope.Status, out []byte, size int, scratch *[]byte) (envelope.ReplyMsg, []byte) {
	r := envelope.ReplyMsg{ID: id, Status: st}
	if st == envelope.StatusOk {
		r.Result = out
	} else {
		r.Error = out
	}
	if b := enc.Reply(r); len(b) <= size {
		return r, b
	}
	*scratch = fmt.Appendf((*scratch)[:0], "%s of %d bytes does not fit a slot of %d", st, len(out), size)
	r = envelope.ReplyMsg{ID: id, Status: envelope.StatusTooLarge, Error: *scratch}
	return r, enc.Reply(r)
}

// dispatch finds the method a call names and runs it, appending its result
// or error text to out.
func (h *Hub) dispatch(from caller, c *envelope.CallMsg, out []byte) ([]byte, envelope.Status) {
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
		left := time.Duration(c.Deadline - mono.Now())
		if left <= 0 {
			return append(out, context.DeadlineExceeded.Error()...), envelope.StatusDeadline
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, left)
		defer cancel()
	}
	return m.run(ctx, from, c.Args, out)
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
