package proxy

import (
	"context"
	"fmt"
)

// Serve publishes svc under its name, homed in this process: from its
// return until Withdraw, or until this process dies, any process can call
// it. In a worker the hub asks the master's directory to publish it (the
// only blocking part, bounded by ctx); the object stays served after the
// kernel that served it returns. Serve fails with ErrExists if the name is
// served already, ErrDirectoryFull, ErrBadName, or ErrClosed.
func (h *Hub) Serve(ctx context.Context, svc *Service) error {
	if h.isClosed() {
		return ErrClosed
	}
	svc.mu.Lock()
	defer svc.mu.Unlock()
	if svc.served != nil {
		return fmt.Errorf("%w: %q by this service already", ErrExists, svc.name)
	}
	svc.frozen = true
	r, err := h.reserve(ctx, svc.name)
	if err != nil {
		return err
	}
	s := &served{svc: svc, ref: r}
	h.objs[r.index].Store(s)
	if err := h.move(ctx, r, entryReserved, entryLive); err != nil {
		h.objs[r.index].Store(nil)
		h.move(ctx, r, entryReserved, entryFree)
		return err
	}
	svc.served = s
	return nil
}

// Withdraw stops serving svc: calls already running finish, later ones
// fail with ErrUnknownObject. It fails with ErrUnknownObject if svc is not
// served by this hub.
func (h *Hub) Withdraw(ctx context.Context, svc *Service) error {
	svc.mu.Lock()
	defer svc.mu.Unlock()
	s := svc.served
	if s == nil || h.objs[s.ref.index].Load() != s {
		return fmt.Errorf("%w: %q is not served here", ErrUnknownObject, svc.name)
	}
	svc.served = nil
	h.objs[s.ref.index].CompareAndSwap(s, nil)
	return h.move(ctx, s.ref, entryLive, entryFree)
}

// reserve claims a directory entry for name: in the master directly, in a
// worker through the master's directory service.
func (h *Hub) reserve(ctx context.Context, name string) (ref, error) {
	if len(name) == 0 || len(name) > maxNameLen {
		return ref{}, dirBadName.err(name)
	}
	if h.master {
		h.mu.Lock()
		r, code := h.sh.reserve(name, h.me, h.epoch)
		h.mu.Unlock()
		return r, code.err(name)
	}
	var a nameArg
	a.Len = uint8(copy(a.Name[:], name))
	res, err := h.dir.reserve.Call(ctx, a)
	if err != nil {
		return ref{}, err
	}
	return ref{index: res.Index, gen: res.Gen, home: h.me, epoch: h.epoch}, res.Code.err(name)
}

// move changes the state of this process's entry r.
func (h *Hub) move(ctx context.Context, r ref, from, to entryState) error {
	name := h.nameOf(r)
	if h.master {
		h.mu.Lock()
		defer h.mu.Unlock()
		if !h.sh.setState(r, from, to) {
			return dirUnknown.err(name)
		}
		return nil
	}
	stub := h.dir.publish
	if to == entryFree {
		stub = h.dir.withdraw
	}
	res, err := stub.Call(ctx, entryArg{Index: r.index, Gen: r.gen})
	if err != nil {
		return err
	}
	return res.Code.err(name)
}

// nameOf returns the name of the object this process serves at r.
func (h *Hub) nameOf(r ref) string {
	if s := h.objs[r.index].Load(); s != nil {
		return s.svc.name
	}
	return fmt.Sprintf("entry %d", r.index)
}
