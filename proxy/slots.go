package proxy

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/shmrun/shmrun/internal/spinwait"
	"github.com/shmrun/shmrun/proxy/internal/envelope"
)

// call is this process's side of one of its call slots: the private
// buffers a call is encoded and decoded in, reused call after call so
// that steady-state calls allocate nothing. A call is in h.free, owned by
// the goroutine making a call, or an orphan the listener reclaims.
type call struct {
	h     *Hub
	idx   int
	hdr   *slotHeader
	buf   []byte // the slot's shared buffer
	enc   *envelope.Encoder
	args  []byte
	reply []byte // a private copy of the reply, decoded from here
	msg   envelope.Msg
	gen   uint64 // the slot's use count for the call in it
	home  int
	epoch uint64 // the home's, when the call was made

	orphan atomic.Bool // the listener may free it
}

func newCall(h *Hub, i int) *call {
	hdr, buf := h.sh.slot(h.me, i)
	return &call{h: h, idx: i, hdr: hdr, buf: buf, enc: envelope.NewEncoder(256)}
}

// adopt takes over the slots a previous incarnation of this process left:
// a call no home claimed yet is withdrawn, a post is posted again (it may
// have died before it rang the home); one a live home holds stays an
// orphan until it is answered or read, or that home dies.
func (h *Hub) adopt() {
	for _, c := range h.calls {
		v := c.hdr.state.Load()
		gen, st := unpack(v)
		if slotState(st) == slotRequested {
			if home, ok := c.postIn(gen); ok && !c.reclaimable() {
				c.hdr.sleep.Store(wakeOrphan)
				c.orphan.Store(true)
				h.sh.pending(home, h.me).Or(1 << c.idx)
				h.ring(home)
				continue
			}
			c.hdr.state.CompareAndSwap(v, pack(gen, uint8(slotAbandoned)))
		}
		if c.reclaimable() {
			h.free.push(c)
			continue
		}
		c.hdr.sleep.Store(wakeOrphan)
		c.orphan.Store(true)
	}
}

// postIn reports whether the slot holds a post of use count gen, by the
// envelope our previous incarnation wrote, and to which home.
func (c *call) postIn(gen uint64) (home int, ok bool) {
	n, home := int(c.hdr.length.Load()), int(c.hdr.home.Load())
	if n > len(c.buf) || home >= c.h.sh.endpoints {
		return 0, false
	}
	c.reply = append(c.reply[:0], c.buf[:n]...)
	err := envelope.Decode(c.reply, &c.msg)
	return home, err == nil && c.msg.Type == envelope.BodyCall && c.msg.Call.OneWay && c.msg.Call.ID == callID(gen, c.h.me, c.idx)
}

// freeSlots is the stack of this process's free call slots. Last in,
// first out: a caller making call after call reuses the same slot, whose
// cache lines are still hot in both processes.
type freeSlots struct {
	mu      sync.Mutex
	stack   []*call
	waiters int
	freed   chan struct{} // a token for a waiter when a slot is pushed
}

func (f *freeSlots) init() {
	f.stack = make([]*call, 0, slotsPerEnd)
	f.freed = make(chan struct{}, 1)
}

// pop takes a slot if one is free; a waiter that gets one passes the token
// on when more are left for the other waiters.
func (f *freeSlots) pop(waited bool) *call {
	f.mu.Lock()
	defer f.mu.Unlock()
	if waited {
		f.waiters--
	}
	n := len(f.stack)
	if n == 0 {
		f.waiters++
		return nil
	}
	c := f.stack[n-1]
	f.stack = f.stack[:n-1]
	if n > 1 && f.waiters > 0 {
		f.signal()
	}
	return c
}

func (f *freeSlots) push(c *call) {
	f.mu.Lock()
	f.stack = append(f.stack, c)
	if f.waiters > 0 {
		f.signal()
	}
	f.mu.Unlock()
}

func (f *freeSlots) signal() {
	select {
	case f.freed <- struct{}{}:
	default:
	}
}

// giveUp undoes the wait pop announced.
func (f *freeSlots) giveUp() {
	f.mu.Lock()
	f.waiters--
	if len(f.stack) > 0 && f.waiters > 0 {
		f.signal()
	}
	f.mu.Unlock()
}

// acquire takes a free call slot, waiting while all are in use. When none
// is free it frees those of posts their homes have read; while it waits,
// homes ring the listener as they read posts (slotWaiters), which frees
// their slots.
func (h *Hub) acquire(ctx context.Context) (*call, error) {
	waiters := &h.sh.endpoint(h.me).slotWaiters
	for waited := false; ; waited = true {
		if c := h.free.pop(waited); c != nil {
			return c, nil
		}
		if h.reclaim() {
			continue
		}
		waiters.Add(1)
		if h.reclaim() { // a home may have read a post before it saw us wait
			waiters.Add(^uint32(0))
			continue
		}
		h.ringOurHomes() // our lazy posts may be what holds the slots
		var err error
		select {
		case <-h.free.freed:
		case <-ctx.Done():
			err = ctxError(ctx)
		case <-h.done:
			err = ErrClosed
		}
		waiters.Add(^uint32(0))
		if err != nil {
			h.free.giveUp()
			return nil, err
		}
	}
}

// ringOurHomes rings every home that has requests of ours pending: lazy
// posts wake nobody when they are made, and a caller that waits for a slot
// must not wait for a home's next look at its slots.
func (h *Hub) ringOurHomes() {
	for home := range h.sh.endpoints {
		if h.sh.pending(home, h.me).Load() != 0 {
			h.ring(home)
		}
	}
}

// release returns a slot whose call is over.
func (c *call) release() {
	c.hdr.sleep.Store(wakeNone)
	c.h.free.push(c)
}

// orphaned hands a slot whose home still holds the call to the listener,
// which frees it once the home answers or dies.
func (c *call) orphaned() {
	c.hdr.sleep.Store(wakeOrphan) // the home rings our listener when it answers
	c.orphan.Store(true)
	if c.reclaimable() && c.orphan.CompareAndSwap(true, false) {
		c.release()
	}
}

// reclaimable reports whether no home can write the slot any more: it is
// idle, answered or abandoned, or the home it was sent to died since.
func (c *call) reclaimable() bool {
	_, st := unpack(c.hdr.state.Load())
	switch slotState(st) {
	case slotRequested, slotRunning:
		home := int(c.hdr.home.Load())
		return home >= c.h.sh.endpoints || c.h.sh.endpoint(home).epoch.Load() != c.hdr.homeEpoch.Load()
	}
	return true
}

// listen frees orphaned slots once their homes answer or die. It sleeps
// on the endpoint's reply bell, which a home rings when it answers a call
// whose caller gave up, and the master when a process dies.
func (h *Hub) listen() {
	defer h.wg.Done()
	bell := &h.sh.endpoint(h.me).replyBell
	for !h.closed.Load() {
		v := bell.Load()
		for _, c := range h.calls {
			if c.orphan.Load() && c.reclaimable() && c.orphan.CompareAndSwap(true, false) {
				c.release()
			}
		}
		spinwait.Sleep(context.Background(), bell, v, true)
	}
}
