package ring

import (
	"context"
	"fmt"
	"unsafe"

	"github.com/shmrun/shmrun/arena"
	"github.com/shmrun/shmrun/internal/spinwait"
)

// Producer is the writing end of an SPSC ring. One goroutine at a time may
// use it; Close may be called from any goroutine.
type Producer struct {
	s        spsc
	tail     uint64 // position after the last committed frame
	flushed  uint64 // position up to which frames are published
	head     uint64 // the consumer's position, as last read
	seq      uint32 // sequence number of the next frame
	open     bool   // a batch is open: its first header is not stored yet
	openOff  uint64
	openHdr  uint64
	reserved bool // a Reserve awaits its Commit
	resOff   uint64
	resLen   int
	err      error // sticky ErrCorrupt
}

// NewProducer opens the producing end of the SPSC ring in r, which InitSPSC
// formatted. Exactly one producer may exist per ring, in any process.
func NewProducer(r arena.Region, o *Options) (*Producer, error) {
	s, err := openSPSC(r, o)
	if err != nil {
		return nil, err
	}
	return &Producer{s: s}, nil
}

// MaxFrame returns the largest payload this ring accepts.
func (p *Producer) MaxFrame() int { return MaxFrame(int(p.s.cap)) }

// Reserve returns n bytes of ring memory for the next frame's payload,
// blocking until there is room, the ring closes (ErrClosed) or ctx ends.
// Write the payload in place, then call Commit. Nothing is visible to the
// consumer before Commit and Flush.
func (p *Producer) Reserve(ctx context.Context, n int) ([]byte, error) {
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
	off := p.tail & p.s.mask
	var pad uint64
	if off+size > p.s.cap {
		pad = p.s.cap - off
	}
	if err := p.room(ctx, pad+size+hdrSize); err != nil {
		return nil, err
	}
	if pad > 0 {
		p.clearHeader(0)
		p.commitFrame(off, pad, header(pad-hdrSize, p.seq)|padFlag)
		off = 0
	}
	p.reserved, p.resOff, p.resLen = true, off, n
	start := off + hdrSize
	return p.s.data[start : start+uint64(n) : start+uint64(n)], nil
}

// Commit commits the first n bytes of the last reserved payload as a frame.
// It panics if no Reserve is pending or n exceeds what was reserved. The
// frame becomes visible with the next Flush; Commit flushes on its own once
// a quarter of the ring is waiting, so a long batch starts moving early.
func (p *Producer) Commit(n int) {
	if !p.reserved || n < 0 || n > p.resLen {
		panic("ring: Commit without a matching Reserve")
	}
	p.reserved = false
	size := frameSize(n)
	p.clearHeader(p.resOff + size)
	p.commit(size, n)
}

// commit commits the reserved frame, whose following header slot is
// cleared, and flushes once a quarter of the ring is waiting.
func (p *Producer) commit(size uint64, n int) {
	p.commitFrame(p.resOff, size, header(uint64(n), p.seq))
	if p.tail-p.flushed >= p.s.cap/4 {
		p.Flush()
	}
}

// Flush publishes every committed frame with one atomic store and wakes the
// consumer if it announced that it sleeps.
func (p *Producer) Flush() {
	if p.Publish() {
		p.Wake()
	}
}

// Publish publishes every committed frame with one atomic store, as Flush
// does, but wakes no one: a consumer asleep on the ring sees the frames
// when someone next calls Wake, Flush or Send, or when its sleep runs out
// (spinwait.DefaultMaxSleep). It reports whether there was anything to
// publish. Use it when the consumer need not hear of each frame at once,
// and make sure Wake follows before the producer goes idle.
func (p *Producer) Publish() bool {
	if !p.open {
		return false
	}
	p.s.hdrAt(p.openOff).Store(p.openHdr)
	p.open = false
	p.flushed = p.tail
	return true
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
	// The next header slot first, then the payload, the header's line
	// last: the consumer's line is written once, at the end.
	p.reserved = false
	size := frameSize(len(b))
	p.clearHeader(p.resOff + size)
	copyHeaderLineLast(buf, b)
	p.commit(size, len(b))
	p.Flush()
	return nil
}

// copyHeaderLineLast copies src into a reserved payload dst, writing the
// bytes that share a cache line with the frame's header last. The consumer
// polls that line; if a store to it came before a store to another line,
// the consumer could take the line back in between and the producer would
// need it a second time for the header: one more cache-line transfer on
// the latency path. In this order the header's line is written once, in
// one burst, at the end.
func copyHeaderLineLast(dst, src []byte) {
	hdr := uintptr(unsafe.Pointer(unsafe.SliceData(dst))) - hdrSize
	k := min(len(src), int(cacheLine-hdr%cacheLine-hdrSize))
	copy(dst[k:], src[k:])
	copy(dst[:k], src[:k])
}

// Close closes the ring: the consumer drains what was published and then
// receives ErrClosed, and the producer's next call returns ErrClosed. Close
// may be called from any goroutine (a supervisor closing a dead peer's
// ring, say), so it does not flush: the goroutine that owns the producer
// calls Flush first if committed frames must get through.
func (p *Producer) Close() {
	p.s.close()
}

// clearHeader zeroes the header slot at data offset off (mod the
// capacity), so that the consumer finds "nothing yet" there until the frame
// is committed, never a header from an earlier lap.
func (p *Producer) clearHeader(off uint64) {
	*(*uint64)(unsafe.Pointer(&p.s.data[off&p.s.mask])) = 0
}

// commitFrame writes the frame's header; the first header of a batch is
// held back for Flush. The slot after the frame must be cleared already.
func (p *Producer) commitFrame(off, size, hdr uint64) {
	if p.open {
		*(*uint64)(unsafe.Pointer(&p.s.data[off])) = hdr
	} else {
		p.open, p.openOff, p.openHdr = true, off, hdr
	}
	p.tail += size
	p.seq++
}

// room makes sure need bytes past the tail are free, waiting if they are not.
func (p *Producer) room(ctx context.Context, need uint64) error {
	if p.tail+need-p.head <= p.s.cap {
		return nil
	}
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
	for {
		if err := p.loadHead(); err != nil || p.tail+need-p.head <= p.s.cap {
			return err
		}
		if p.s.closed() {
			return ErrClosed
		}
		if sp.More() {
			continue
		}
		sp.Sleeping()
		p.s.pwait.Store(1) // announce, re-check, then sleep
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
// forward, in whole frames, and never past what was published.
func (p *Producer) loadHead() error {
	h := p.s.head.Load()
	if h < p.head || h > p.flushed || h%frameAln != 0 {
		p.err = fmt.Errorf("%w: consumer position %d outside [%d, %d]", ErrCorrupt, h, p.head, p.flushed)
		return p.err
	}
	p.head = h
	return nil
}
