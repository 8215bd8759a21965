package proxy

import (
	"context"
	"sync/atomic"
)

// turns are a process's Options.Handlers turns to run methods: a handler
// goroutine holds one while it claims and serves a request, a caller in
// the object's home process while it runs the method itself, and Drain
// while it serves requests it claimed. So Handlers bounds the methods a
// process runs at once whichever way their calls came (a Service with
// Handlers 1 runs one call at a time), and Drain can see every call being
// run: each turn says which section, if any, it is in.
type turns struct {
	all    []*turn
	free   chan *turn
	ticket atomic.Uint64 // the last section's ticket
}

// turn is one of the turns. A section is the time a turn spends claiming
// and running calls; it gets a ticket, increasing, when it begins.
type turn struct {
	ts      *turns
	section atomic.Uint64 // the ticket of the section it is in; 0 between
	_       [48]byte      // each turn's word on its own cache line
}

func newTurns(n int) *turns {
	ts := &turns{free: make(chan *turn, n)}
	for range n {
		t := &turn{ts: ts}
		ts.all = append(ts.all, t)
		ts.free <- t
	}
	return ts
}

// take waits for a free turn. It fails with ctx's error, or ErrClosed once
// the hub closes.
func (h *Hub) take(ctx context.Context) (*turn, error) {
	select {
	case t := <-h.turns.free:
		return t, nil
	default:
	}
	select {
	case t := <-h.turns.free:
		return t, nil
	case <-ctx.Done():
		return nil, ctxError(ctx)
	case <-h.done:
		return nil, ErrClosed
	}
}

// begin starts a section: from now until end, Drain waits for the turn if
// it began before this section did. A handler begins one before it clears
// a pending bit, so that no request is ever neither pending nor in a
// section until it has been handled.
func (t *turn) begin() { t.section.Store(t.ts.ticket.Add(1)) }

// end ends the section and gives the turn back.
func (t *turn) end() {
	t.section.Store(0)
	t.ts.free <- t
}
