package ring

import (
	"context"

	"github.com/shmrun/shmrun/arena"
	"github.com/shmrun/shmrun/internal/spinwait"
)

// Consumer is the reading end of an SPSC ring. One goroutine at a time may
// use it; Close may be called from any goroutine.
type Consumer struct {
	s    spsc
	head uint64 // start of the held frame, or of the next one
	held uint64 // size of the frame handed out last; consumed by the next call
	pub  uint64 // position last published to the producer
	seq  uint32 // sequence number expected next
	err  error  // sticky ErrCorrupt
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

// Queued counts, up to max, the frames committed behind the one the last
// Next or TryNext returned, without consuming any. It reads only frame
// headers and checks them as Next does (frameAt); it stops at the first
// that is not a committed frame, so garbage makes it count short, never
// read out of bounds. Like the other methods, it is for the consumer's
// goroutine.
func (c *Consumer) Queued(max int) int {
	if c.err != nil {
		return 0
	}
	pos, seq := c.head+c.held, c.seq
	if c.held != 0 {
		seq++
	}
	n := 0
	for n < max {
		f, ok, err := c.s.frameAt(pos, seq)
		if !ok || err != nil {
			return n
		}
		if !f.pad {
			n++
		}
		pos += f.size
		seq++
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
	c.seq++
	if c.head-c.pub >= c.s.cap/releaseParts {
		c.publish()
	}
}

// publish stores the consumer's position (one atomic store for however many
// frames it covers) and wakes the producer if it sleeps.
func (c *Consumer) publish() {
	if c.head != c.pub {
		c.s.head.Store(c.head)
		c.pub = c.head
		if wake(c.s.pwait) {
			c.s.spin.WokePeer()
		}
	}
}

// poll reads the header at the read position: nothing yet, a padding
// frame to skip, or the expected frame.
func (c *Consumer) poll() ([]byte, bool, error) {
	for {
		f, ok, err := c.s.frameAt(c.head, c.seq)
		switch {
		case err != nil:
			c.err = err
			return nil, false, err
		case !ok:
			c.publish() // nothing to read: let the producer have the space
			return nil, false, nil
		case f.pad:
			c.head += f.size
			c.seq++
			continue
		}
		c.held = f.size
		start := f.off + hdrSize
		return c.s.data[start : start+f.n : start+f.n], true, nil
	}
}

// ready reports whether the header at the read position is written.
func (c *Consumer) ready() bool { return c.s.hdrAt(c.head&c.s.mask).Load() != 0 }

// wait blocks until a header appears at the read position: it spins for the
// configured time, then announces itself, re-checks and sleeps on a futex.
func (c *Consumer) wait(ctx context.Context) error {
	sp := c.s.spin.Start()
	err := c.await(ctx, &sp)
	c.s.spin.Done(&sp)
	return err
}

func (c *Consumer) await(ctx context.Context, sp *spinwait.Spinner) error {
	for {
		if c.ready() {
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
		c.s.cwait.Store(1)
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
