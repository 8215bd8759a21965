package ring

import (
	"context"
	"fmt"
	"sync/atomic"
	"unsafe"

	"github.com/shmrun/shmrun/arena"
	"github.com/shmrun/shmrun/internal/spinwait"
)

// Consumer is the reading end of an SPSC ring. One goroutine at a time may
// use it; Close may be called from any goroutine.
type Consumer struct {
	s    spsc
	head uint64 // start of the held frame, or of the next one
	held uint64 // size of the frame handed out last; consumed by the next call
	tail uint64 // the producer's published position, as last read and checked
	pub  uint64 // position last published to the producer
	// lim is where the fast path stops: a frame it hands out ends by
	// lim, which is at most the checked tail, the end of the ring's lap
	// the next frame starts in, and the position at which a release is
	// due; zero once err is set (setLim)
	lim uint64
	err error // sticky ErrCorrupt
}

// NewConsumer opens the consuming end of the SPSC ring in r, which InitSPSC
// formatted. Exactly one consumer may exist per ring, in any process.
func NewConsumer(r arena.Region, o *Options) (*Consumer, error) {
	s, err := openSPSC(r, o)
	if err != nil {
		return nil, err
	}
	return &Consumer{s: s}, nil
}

// TryNext returns the next frame's payload without blocking; ok is false
// when none is committed. The payload aliases the ring: it stays valid until
// the next call of any Consumer method, and must not be written.
func (c *Consumer) TryNext() (frame []byte, ok bool, err error) {
	if f, ok := c.NextReady(); ok {
		return f, true, nil
	}
	if c.err != nil {
		return nil, false, c.err
	}
	c.advance()
	return c.poll()
}

// Next returns the next frame's payload, blocking until one is committed,
// the ring is closed and drained (ErrClosed), or ctx ends. The payload
// aliases the ring as with TryNext.
func (c *Consumer) Next(ctx context.Context) ([]byte, error) {
	if f, ok := c.NextReady(); ok {
		return f, nil
	}
	return c.next(ctx)
}

// next is Next's slow path.
func (c *Consumer) next(ctx context.Context) ([]byte, error) {
	if c.err != nil {
		return nil, c.err
	}
	c.advance()
	for {
		f, ok, err := c.poll()
		if ok || err != nil {
			return f, err
		}
		if err := c.wait(ctx); err != nil {
			return nil, err
		}
	}
}

// NextReady is Next's fast path, small enough to be inlined into the
// caller: when the next frame carries data and ends by the producer's
// position as last read and checked, with no release due before it, it
// consumes the held frame and returns the next one's payload and true, as
// Next would. Otherwise it returns nil and false and changes nothing:
// call Next or TryNext, which read the producer's position, skip padding,
// release space, wait or report the error. The payload aliases the ring
// as with TryNext. A consumer that streams calls NextReady first and Next
// when it fails, saving a call per frame.
func (c *Consumer) NextReady() ([]byte, bool) {
	head := c.head + c.held
	if head >= c.lim {
		return nil, false
	}
	// left is a multiple of 8 (as head and lim are), so a frame whose
	// header and payload fit in it fits with its alignment too; and it is
	// at least 8, so the compare cannot wrap
	left := c.lim - head
	hp := c.s.hdrAt(head & c.s.mask)
	h := *hp
	if h > left-hdrSize {
		return nil, false
	}
	c.head, c.held = head, (h+hdrSize+frameAln-1)&^(frameAln-1) // frameSize
	return unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(hp), hdrSize)), h), true
}

// setLim sets lim from the consumer's state (see lim). A lim that lags
// behind the state only sends the fast path to the slow one.
func (c *Consumer) setLim() {
	head := c.head + c.held
	c.lim = min(c.tail, head&^c.s.mask+c.s.cap, c.pub+c.s.cap/releaseParts)
}

// fail makes err, an ErrCorrupt, sticky, and closes the fast path.
func (c *Consumer) fail(err error) error {
	c.err, c.lim = err, 0
	return err
}

// Queued counts, up to max, the frames published behind the one the last
// Next or TryNext returned, without consuming any. It reads the producer's
// position and the frame headers below it and checks them as Next does
// (loadTail, frameAt); garbage makes it count short, never read out of
// bounds, and it leaves reporting the garbage to Next. Like the other
// methods, it is for the consumer's goroutine.
func (c *Consumer) Queued(max int) int {
	if c.err != nil || c.loadTail() != nil {
		return 0
	}
	n := 0
	for pos := c.head + c.held; n < max && pos < c.tail; {
		f, ok := c.s.frameAt(pos, c.tail)
		if !ok {
			break
		}
		if !f.pad {
			n++
		}
		pos += f.size
	}
	return n
}

// releaseParts sets how often the consumer hands space back on its own:
// every 1/releaseParts of the capacity. The store costs the producer one
// cache-line transfer when it next reads the position; handing back in
// smaller parts means a producer that fills the ring waits a few
// microseconds, within its spin, rather than long enough to sleep.
const releaseParts = 16

// Release gives the space of every frame read so far back to the producer
// at once, including the last one returned, which becomes invalid. The
// consumer releases on its own in batches; call Release when holding frames
// back would stall the producer.
func (c *Consumer) Release() {
	if c.err == nil {
		c.advance()
		c.publish()
	}
}

// Close closes the ring: the producer's next call returns ErrClosed.
func (c *Consumer) Close() { c.s.close() }

// advance consumes the frame handed out last.
func (c *Consumer) advance() {
	if c.held == 0 {
		return
	}
	c.head += c.held
	c.held = 0
	if c.head-c.pub >= c.s.cap/releaseParts {
		c.publish()
	}
}

// publish stores the consumer's position (one store for however many
// frames it covers) and wakes the producer if it sleeps.
func (c *Consumer) publish() {
	if c.head != c.pub {
		c.s.storePos(c.s.head, c.head, c.s.pfence)
		c.pub = c.head
		if wake(c.s.pwait) {
			c.s.spin.WokePeer()
		}
	}
}

// poll returns the frame at the read position, skipping padding; ok is
// false when the producer has published nothing past it. The producer's
// position is read only when the frames already known to be published run
// out, so a batch costs one read of the producer's line.
func (c *Consumer) poll() ([]byte, bool, error) {
	for {
		if c.head == c.tail {
			if err := c.loadTail(); err != nil {
				return nil, false, err
			}
			if c.head == c.tail {
				c.publish() // nothing to read: let the producer have the space
				return nil, false, nil
			}
		}
		f, ok := c.s.frameAt(c.head, c.tail)
		if !ok {
			return nil, false, c.fail(c.s.corruptAt(c.head, c.tail))
		}
		if f.pad {
			c.head += f.size
			continue
		}
		c.held = f.size
		c.setLim()
		return c.s.payload(f.off, f.n), true, nil
	}
}

// loadTail reads the producer's position and checks it: it may only move
// forward, by whole frames, and never more than a capacity past the
// consumer's position.
func (c *Consumer) loadTail() error {
	t := c.s.tail.Load()
	if t < c.tail || t-c.head > c.s.cap || t%frameAln != 0 {
		return c.fail(fmt.Errorf("%w: producer position %d outside [%d, %d]", ErrCorrupt, t, c.tail, c.head+c.s.cap))
	}
	c.tail = t
	return nil
}

// ready reports whether the producer published past the read position.
// It also reads the two lines the next frame will start in (touch), so
// that a waiting consumer fetches the frame in the same polls that fetch
// the position which publishes it, rather than only after it saw the
// position: the line transfers of a message overlap instead of following
// one another (issue 16: a spinning round trip of one 64-byte message,
// median of single round trips, went from 2.1x to 2.0x a one-word bounce
// in the near placement).
func (c *Consumer) ready() bool {
	c.touch()
	return c.s.tail.Load() != c.head
}

// touch loads the words at the read position and a line past it (within
// the ring): which values it finds does not matter, only that the lines
// come to this core.
func (c *Consumer) touch() {
	off := c.head & c.s.mask
	atomic.LoadUint64(c.s.hdrAt(off))
	if off+cacheLine+hdrSize <= c.s.cap {
		atomic.LoadUint64(c.s.hdrAt(off + cacheLine))
	}
}

// wait blocks until the producer publishes past the read position: it
// spins for the configured time, then announces itself, re-checks and
// sleeps on a futex.
func (c *Consumer) wait(ctx context.Context) error {
	sp := c.s.spin.Start()
	err := c.await(ctx, &sp)
	c.s.spin.Done(&sp)
	return err
}

func (c *Consumer) await(ctx context.Context, sp *spinwait.Spinner) error {
	for {
		if c.ready() {
			c.s.unrequest(c.s.cfence)
			return nil
		}
		if c.s.closed() && !c.ready() {
			return ErrClosed
		}
		if !sp.More() {
			break
		}
	}
	sp.Sleeping()
	for {
		c.s.announce(c.s.cwait, c.s.cfence)
		if c.ready() {
			c.s.cwait.Store(0)
			return nil
		}
		if c.s.closed() && !c.ready() {
			c.s.cwait.Store(0)
			return ErrClosed
		}
		err := spinwait.Sleep(ctx, c.s.cwait, 1, c.s.handOff)
		c.s.cwait.Store(0)
		if err != nil {
			return err
		}
		if c.ready() {
			return nil
		}
	}
}
