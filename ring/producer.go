package ring

import (
	"context"
	"fmt"

	"github.com/shmrun/shmrun/arena"
	"github.com/shmrun/shmrun/internal/spinwait"
)

// Producer is the writing end of an SPSC ring. One goroutine at a time may
// use it; Close and Wake may be called from any goroutine.
type Producer struct {
	s       spsc
	tail    uint64 // position after the last committed frame
	flushed uint64 // position published to the consumer
	head    uint64 // the consumer's position, as last read
	room    uint64 // the position up to which frames fit without reading head again
	// lim is where Reserve's fast path stops: a frame it reserves ends by
	// lim, which is at most room, the end of the ring's lap the tail is in
	// and a quarter of the ring past flushed (flushParts); zero once err is
	// set (setLim)
	lim uint64
	// resCap is one more than the bytes the pending Reserve returned, and
	// 0 when none is pending: the frame's header goes at the tail
	resCap int
	err    error // sticky ErrCorrupt
}

// NewProducer opens the producing end of the SPSC ring in r, which InitSPSC
// formatted. Exactly one producer may exist per ring, in any process.
func NewProducer(r arena.Region, o *Options) (*Producer, error) {
	s, err := openSPSC(r, o)
	if err != nil {
		return nil, err
	}
	p := &Producer{s: s, room: s.cap}
	p.setLim()
	return p, nil
}

// MaxFrame returns the largest payload this ring accepts.
func (p *Producer) MaxFrame() int { return MaxFrame(int(p.s.cap)) }

// flushParts sets when a Reserve flushes on its own: when the frame would
// take the frames waiting for a Flush past 1/flushParts of the capacity.
const flushParts = 4

// Reserve returns n bytes of ring memory for the next frame's payload,
// blocking until there is room, the ring closes (ErrClosed) or ctx ends.
// Write the payload in place, then call Commit. Nothing is visible to the
// consumer before Commit and Flush.
func (p *Producer) Reserve(ctx context.Context, n int) ([]byte, error) {
	if b, ok := p.TryReserve(n); ok {
		return b, nil
	}
	return p.reserve(ctx, n)
}

// TryReserve is Reserve's fast path, small enough to be inlined into the
// caller: when the frame fits without waiting for the consumer, flushing
// or padding to the end of the ring, and the ring is not closed, it
// returns n bytes of ring memory for the next frame's payload and true,
// pending as Reserve's are (write the payload, then Commit). Otherwise it
// returns nil and false and changes nothing: call Reserve, which waits,
// pads, flushes or reports the error (ErrTooLarge, ErrClosed, ErrCorrupt).
// A producer that streams calls TryReserve first and Reserve when it
// fails, saving a call per frame.
func (p *Producer) TryReserve(n int) ([]byte, bool) {
	if uint64(n) <= p.s.maxFrame && p.tail+frameSize(n) <= p.lim && !p.s.closed() {
		p.resCap = n + 1 // the fast path: no padding, room known
		return p.s.payload(p.tail&p.s.mask, uint64(n)), true
	}
	return nil, false
}

// reserve is Reserve's slow path: errors, padding, waiting for room.
func (p *Producer) reserve(ctx context.Context, n int) ([]byte, error) {
	if p.err != nil {
		return nil, p.err
	}
	if n < 0 || n > p.MaxFrame() {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, n, p.MaxFrame())
	}
	if p.s.closed() {
		return nil, ErrClosed
	}
	size := frameSize(n)
	if p.tail+size-p.flushed > p.s.cap/flushParts {
		p.Flush() // the batch would pass a quarter of the ring: start it moving
	}
	off := p.tail & p.s.mask
	var pad uint64
	if off+size > p.s.cap { // the frame goes at the start: pad to the end
		pad = p.s.cap - off
	}
	if p.tail+pad+size > p.room {
		if err := p.ensure(ctx, pad+size); err != nil {
			return nil, err
		}
	}
	if pad > 0 {
		*p.s.hdrAt(off) = (pad - hdrSize) | padFlag
		p.tail += pad
		off = 0
	}
	p.setLim()
	p.resCap = n + 1
	return p.s.payload(off, uint64(n)), nil
}

// setLim sets lim from the producer's state (see lim). A lim that lags
// behind the state only sends the fast path to the slow one.
func (p *Producer) setLim() {
	p.lim = min(p.room, p.tail&^p.s.mask+p.s.cap, p.flushed+p.s.cap/flushParts)
	if p.err != nil {
		p.lim = 0
	}
}

// Commit commits the first n bytes of the last reserved payload as a frame.
// It panics if no Reserve is pending or n exceeds what was reserved. The
// frame becomes visible with the next Flush; a Reserve flushes on its own
// once a quarter of the ring is waiting, so a long batch starts moving
// early. Commit is small enough to be inlined.
func (p *Producer) Commit(n int) {
	if uint(n) >= uint(p.resCap) {
		panic("ring: Commit without a matching Reserve")
	}
	p.resCap = 0
	*p.s.hdrAt(p.tail & p.s.mask) = uint64(n)
	p.tail += frameSize(n)
}

// Flush publishes every committed frame with one store of the write
// position and wakes the consumer if it announced that it sleeps.
func (p *Producer) Flush() {
	if p.Publish() {
		p.Wake()
	}
}

// Publish publishes every committed frame with one store, as Flush
// does, but wakes no one: a consumer asleep on the ring sees the frames
// when someone next calls Wake, Flush or Send, or when its sleep runs out
// (spinwait.DefaultMaxSleep). It reports whether there was anything to
// publish. Use it when the consumer need not hear of each frame at once,
// and make sure Wake follows before the producer goes idle.
func (p *Producer) Publish() bool {
	if p.tail == p.flushed {
		return false
	}
	p.s.storePos(p.s.tail, p.tail, p.s.cfence)
	p.flushed = p.tail
	p.setLim()
	p.warm()
	return true
}

// warm writes to the two cache lines where the next frame will go, if
// they are known to be free: the consumer reads neither before the
// producer publishes past them, and meanwhile the producer's core takes
// them over from the consumer's, which read them a lap ago. Without it, a
// producer that publishes one frame at a time (a request, a result) would
// wait for that hand-over, on the round trip's path, before its next
// publishing store could complete.
func (p *Producer) warm() {
	if p.resCap != 0 { // Flush between Reserve and Commit: the tail's lines hold the payload
		return
	}
	for _, ahead := range [...]uint64{0, cacheLine} {
		pos := p.tail + ahead
		if pos+hdrSize > p.room || pos&p.s.mask+hdrSize > p.s.cap {
			return
		}
		*p.s.hdrAt(pos & p.s.mask) = 0
	}
}

// Wake wakes the consumer if it announced that it sleeps: the system call
// that Flush and Send make after publishing and Publish leaves out. It
// costs one load of a line that only changes when the consumer goes to
// sleep. Unlike the other methods of Producer, except Close, it may be
// called from any goroutine at any time: it touches only the shared
// wake-up word and the spin budget, so a watchdog can bound how long
// frames published with Publish go unnoticed.
func (p *Producer) Wake() {
	if wake(p.s.cwait) {
		p.s.spin.WokePeer()
	}
}

// Send writes b as one frame and flushes it, with every frame committed
// before it.
func (p *Producer) Send(ctx context.Context, b []byte) error {
	buf, err := p.Reserve(ctx, len(b))
	if err != nil {
		return err
	}
	p.Commit(copy(buf, b))
	p.Flush()
	return nil
}

// Close closes the ring: the consumer drains what was published and then
// receives ErrClosed, and the producer's next call returns ErrClosed. Close
// may be called from any goroutine (a supervisor closing a dead peer's
// ring, say), so it does not flush: the goroutine that owns the producer
// calls Flush first if committed frames must get through.
func (p *Producer) Close() {
	p.s.close()
}

// ensure makes sure need bytes past the tail are free, waiting if they
// are not, and sets room to what the consumer's position leaves.
func (p *Producer) ensure(ctx context.Context, need uint64) error {
	if err := p.loadHead(); err != nil || p.tail+need-p.head <= p.s.cap {
		return err
	}
	p.Flush() // the consumer may be waiting for exactly these frames
	sp := p.s.spin.Start()
	err := p.awaitRoom(ctx, need, &sp)
	p.s.spin.Done(&sp)
	return err
}

func (p *Producer) awaitRoom(ctx context.Context, need uint64, sp *spinwait.Spinner) error {
	slept := false
	for {
		if err := p.loadHead(); err != nil || p.tail+need-p.head <= p.s.cap {
			if err == nil && !slept {
				p.s.unrequest(p.s.pfence)
			}
			return err
		}
		if p.s.closed() {
			return ErrClosed
		}
		if sp.More() {
			continue
		}
		sp.Sleeping()
		slept = true
		p.s.announce(p.s.pwait, p.s.pfence) // announce, re-check, then sleep
		if err := p.loadHead(); err != nil || p.tail+need-p.head <= p.s.cap {
			p.s.pwait.Store(0)
			return err
		}
		if p.s.closed() {
			p.s.pwait.Store(0)
			return ErrClosed
		}
		err := spinwait.Sleep(ctx, p.s.pwait, 1, p.s.handOff)
		p.s.pwait.Store(0)
		if err != nil {
			return err
		}
	}
}

// loadHead reads the consumer's position and checks it: it may only move
// forward, in whole frames, and never past what was published. It moves
// room to a capacity past it.
func (p *Producer) loadHead() error {
	h := p.s.head.Load()
	if h < p.head || h > p.flushed || h%frameAln != 0 {
		p.err = fmt.Errorf("%w: consumer position %d outside [%d, %d]", ErrCorrupt, h, p.head, p.flushed)
		p.lim = 0
		return p.err
	}
	p.head = h
	p.room = h + p.s.cap
	p.setLim()
	return nil
}
