package proxy

import (
	"context"
	"math/bits"
	goruntime "runtime"
	"sync"
	"time"
)

// drainer is what Drain reuses from call to call: the pending words it
// saw, and the buffers it serves requests with. Its mutex makes Drains
// take turns.
type drainer struct {
	mu   sync.Mutex
	seen []uint64 // by caller endpoint
	w    *handler
}

// Drain waits until every call that was pending for objects homed in this
// process when it began has been handled: answered, or, for a post, run.
// A post is pending from the moment its Post returns, so a post made
// before an event that this process has since observed is covered: a
// kernel's posts before its result reached the master, say, since the
// runtime's rings order the post before the result. Calls made after
// Drain began may be covered or not.
//
// Drain serves the pending requests it finds unclaimed itself, in a turn
// (Options.Handlers), and waits for those that handlers or callers in this
// process are running. It fails with ctx's error, or ErrClosed if the hub
// closes. It is safe for concurrent use; Drains run one at a time. A
// method served by this hub must not call it: it would wait for itself.
func (h *Hub) Drain(ctx context.Context) error {
	if h.isClosed() {
		return ErrClosed
	}
	d := &h.drain
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.w == nil {
		d.w, d.seen = newHandler(h), make([]uint64, h.sh.endpoints)
	}
	// Every call pending now is in a pending word, or, its bit cleared, in
	// a section begun already: handlers begin a section before they clear
	// a bit, and callers here before they run a method. A bit seen here
	// that is cleared before serveSeen claims it was cleared in a section
	// begun before serveSeen returned. So once the requests seen are
	// served, the sections begun by then are all that is left to wait
	// for.
	for e := range d.seen {
		d.seen[e] = h.sh.pending(h.me, e).Load()
	}
	if err := h.serveSeen(ctx, d); err != nil {
		return err
	}
	return h.waitSections(ctx, h.turns.ticket.Load())
}

// serveSeen claims and serves the requests d saw pending that no handler
// has claimed since.
func (h *Hub) serveSeen(ctx context.Context, d *drainer) error {
	var t *turn
	for e, seen := range d.seen {
		p := h.sh.pending(h.me, e)
		for ; seen != 0; seen &= seen - 1 {
			bit := seen & -seen
			if p.Load()&bit == 0 {
				continue
			}
			if t == nil {
				var err error
				if t, err = h.take(ctx); err != nil {
					return err
				}
				t.begin()
			}
			if old := p.And(^bit); old&bit != 0 {
				d.w.serve(e, bits.TrailingZeros64(bit))
			}
		}
	}
	if t != nil {
		t.end()
	}
	return nil
}

// waitSections waits until no turn is in a section that began at or
// before ticket: polling, yielding the P, then sleeping ever longer, up to
// a millisecond.
func (h *Hub) waitSections(ctx context.Context, ticket uint64) error {
	for _, t := range h.turns.all {
		s := t.section.Load()
		if s == 0 || s > ticket {
			continue
		}
		for n := 0; t.section.Load() == s; n++ {
			switch {
			case ctx.Err() != nil:
				return ctxError(ctx)
			case h.isClosed():
				return ErrClosed
			case n < 64:
				goruntime.Gosched()
			default:
				time.Sleep(min(time.Duration(n-63)*20*time.Microsecond, time.Millisecond))
			}
		}
	}
	return nil
}
