package ring

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/shmrun/shmrun/internal/futex"
	"github.com/shmrun/shmrun/internal/spinwait"

	"github.com/shmrun/shmrun/arena"
)

// KindMPMC is the arena.Kind of a region holding an MPMC queue ("RMPM").
const KindMPMC arena.Kind = 0x4d50_4d52

const (
	offEnq     = 0   // next position to claim for a push, uint64
	offDeq     = 64  // next position to claim for a pop, uint64
	offNonEmpt = 128 // event: consumers wait here for a push
	offNonFull = 192 // event: producers wait here for a pop
	offQInfo   = 256 // geometry and closed flag: read-mostly
	mpmcHeader = 320
	slotHeader = 16 // seq uint64, len uint32, pad
	mpmcMagic  = 0x4d50_4d51
	maxSlots   = 1 << 24
)

// event is an eventcount: a sleeper reads the epoch, announces itself in
// waiters, re-checks the queue and sleeps while the epoch is unchanged; a
// successful operation bumps the epoch and wakes only if someone announced.
type event struct {
	epoch   atomic.Uint32
	waiters atomic.Uint32
}

func (e *event) notify() {
	if e.waiters.Load() != 0 {
		e.epoch.Add(1)
		futex.Wake(&e.epoch, 1<<30)
	}
}

type mpmcInfo struct {
	magic    uint32
	slots    uint32
	slotSize uint32
	stride   uint32
	closed   atomic.Uint32
}

type slot struct {
	seq    atomic.Uint64
	length uint32
	_      uint32
}

// MPMCSize returns the region size for an MPMC queue of slots messages of at
// most slotSize bytes each. Each slot is padded to whole cache lines so that
// neighbouring slots never share one.
func MPMCSize(slots, slotSize int) int { return mpmcHeader + slots*slotStride(slotSize) }

func slotStride(slotSize int) int { return (slotHeader + slotSize + 63) &^ 63 }

// InitMPMC formats r as an empty MPMC queue of slots (a power of two from 2
// to 16M) messages of at most slotSize bytes. It must run once, before any
// process opens the queue, or again (a reset) when none is using it.
func InitMPMC(r arena.Region, slots, slotSize int) error {
	if slots < 2 || slots > maxSlots || slots&(slots-1) != 0 || slotSize < 0 || slotSize > 1<<24 {
		return fmt.Errorf("%w: MPMC of %d slots of %d bytes", ErrBadLayout, slots, slotSize)
	}
	b := r.Bytes()
	if len(b) < MPMCSize(slots, slotSize) {
		return fmt.Errorf("%w: MPMC region %q has %d bytes, needs %d", ErrBadLayout, r.Name(), len(b), MPMCSize(slots, slotSize))
	}
	clear(b[:MPMCSize(slots, slotSize)])
	info := (*mpmcInfo)(unsafe.Pointer(&b[offQInfo]))
	info.slots, info.slotSize, info.stride = uint32(slots), uint32(slotSize), uint32(slotStride(slotSize))
	for i := range slots {
		(*slot)(unsafe.Pointer(&b[mpmcHeader+i*slotStride(slotSize)])).seq.Store(uint64(i))
	}
	atomic.StoreUint32(&info.magic, mpmcMagic)
	return nil
}

// MPMC is one process's handle on a shared multi-producer multi-consumer
// queue. Its methods are safe for concurrent use by any number of
// goroutines, in any number of processes.
type MPMC struct {
	enq, deq  *atomic.Uint64
	nonEmpty  *event
	nonFull   *event
	info      *mpmcInfo
	slots     []byte
	mask      uint64
	n         uint64
	slotSize  int
	stride    uint64
	spin      time.Duration // the queue is shared: a fixed budget, no learning
	handOff   bool
	corrupted atomic.Bool
}

// OpenMPMC opens the MPMC queue that InitMPMC formatted in r.
func OpenMPMC(r arena.Region, o *Options) (*MPMC, error) {
	b := r.Bytes()
	if len(b) < mpmcHeader {
		return nil, fmt.Errorf("%w: MPMC region %q is too small", ErrBadLayout, r.Name())
	}
	info := (*mpmcInfo)(unsafe.Pointer(&b[offQInfo]))
	n, size, stride := info.slots, int(info.slotSize), info.stride
	switch {
	case atomic.LoadUint32(&info.magic) != mpmcMagic:
		return nil, fmt.Errorf("%w: region %q is not an MPMC queue", ErrBadLayout, r.Name())
	case n < 2 || n > maxSlots || n&(n-1) != 0 || size > 1<<24 || int(stride) != slotStride(size) ||
		len(b) < MPMCSize(int(n), size):
		return nil, fmt.Errorf("%w: MPMC region %q: %d slots of %d bytes in %d", ErrBadLayout, r.Name(), n, size, len(b))
	}
	return &MPMC{
		enq:      (*atomic.Uint64)(unsafe.Pointer(&b[offEnq])),
		deq:      (*atomic.Uint64)(unsafe.Pointer(&b[offDeq])),
		nonEmpty: (*event)(unsafe.Pointer(&b[offNonEmpt])),
		nonFull:  (*event)(unsafe.Pointer(&b[offNonFull])),
		info:     info,
		slots:    b[mpmcHeader:MPMCSize(int(n), size)],
		mask:     uint64(n - 1),
		n:        uint64(n),
		slotSize: size,
		stride:   uint64(stride),
		spin:     o.spin(),
		handOff:  o.handOff(),
	}, nil
}

// SlotSize returns the largest message the queue carries.
func (q *MPMC) SlotSize() int { return q.slotSize }

// Len returns the number of messages in the queue, approximately: pushes
// and pops in flight may or may not be counted.
func (q *MPMC) Len() int {
	e, d := q.enq.Load(), q.deq.Load()
	if e < d || e-d > q.n {
		return 0
	}
	return int(e - d)
}

// Close closes the queue for every process: pushes fail with ErrClosed at
// once, pops drain what is left and then fail with ErrClosed.
func (q *MPMC) Close() {
	q.info.closed.Store(1)
	spinwait.Kick(&q.nonEmpty.epoch)
	spinwait.Kick(&q.nonFull.epoch)
}

func (q *MPMC) closed() bool { return q.info.closed.Load() != 0 }

func (q *MPMC) slot(pos uint64) (*slot, []byte) {
	off := (pos & q.mask) * q.stride
	s := (*slot)(unsafe.Pointer(&q.slots[off]))
	data := q.slots[off+slotHeader : off+slotHeader+uint64(q.slotSize) : off+slotHeader+uint64(q.slotSize)]
	return s, data
}

func (q *MPMC) fail(format string, args ...any) error {
	q.corrupted.Store(true)
	return fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, args...)...)
}

// TryPush appends b to the queue if a slot is free; ok is false when the
// queue is full.
func (q *MPMC) TryPush(b []byte) (ok bool, err error) {
	if len(b) > q.slotSize {
		return false, fmt.Errorf("%w: %d bytes, slots hold %d", ErrTooLarge, len(b), q.slotSize)
	}
	if q.closed() {
		return false, ErrClosed
	}
	if q.corrupted.Load() {
		return false, q.fail("queue was found corrupt")
	}
	pos := q.enq.Load()
	for {
		s, data := q.slot(pos)
		seq := s.seq.Load()
		switch dif := int64(seq - pos); {
		case dif == 0:
			if !q.enq.CompareAndSwap(pos, pos+1) {
				pos = q.enq.Load()
				continue
			}
			copy(data, b)
			s.length = uint32(len(b))
			s.seq.Store(pos + 1)
			q.nonEmpty.notify()
			return true, nil
		case dif < 0:
			return false, nil
		default:
			// The slot is ahead of pos: another producer claimed pos and so
			// advanced enq before publishing. If enq did not move, the
			// shared state is impossible.
			next := q.enq.Load()
			if next == pos {
				return false, q.fail("slot sequence %d at push position %d", seq, pos)
			}
			pos = next
		}
	}
}

// TryPop removes the oldest message, copying it into buf's backing array
// (reallocating if it is too small) and returning it; ok is false when the
// queue is empty.
func (q *MPMC) TryPop(buf []byte) (msg []byte, ok bool, err error) {
	if q.corrupted.Load() {
		return nil, false, q.fail("queue was found corrupt")
	}
	pos := q.deq.Load()
	for {
		s, data := q.slot(pos)
		seq := s.seq.Load()
		switch dif := int64(seq - (pos + 1)); {
		case dif == 0:
			if !q.deq.CompareAndSwap(pos, pos+1) {
				pos = q.deq.Load()
				continue
			}
			n := s.length
			if n <= uint32(q.slotSize) {
				msg = append(buf[:0], data[:n]...)
			}
			s.seq.Store(pos + q.n) // free the slot for the next lap
			q.nonFull.notify()
			if n > uint32(q.slotSize) {
				return nil, false, q.fail("message of %d bytes in a slot of %d", n, q.slotSize)
			}
			return msg, true, nil
		case dif < 0:
			return nil, false, nil
		default:
			next := q.deq.Load()
			if next == pos {
				return nil, false, q.fail("slot sequence %d at pop position %d", seq, pos)
			}
			pos = next
		}
	}
}

// ArmPop registers the caller as about to sleep until the queue may have a
// message, and returns the futex word to sleep on with the value to sleep
// while it holds (see futex.WaitV). The caller must re-check the queue
// after arming, and call DisarmPop when done waiting. This is how a select
// over several queues sleeps on all of them at once.
func (q *MPMC) ArmPop() (*atomic.Uint32, uint32) { return q.nonEmpty.arm() }

// DisarmPop undoes ArmPop.
func (q *MPMC) DisarmPop() { q.nonEmpty.waiters.Add(^uint32(0)) }

// ArmPush is ArmPop for waiting until the queue may have room.
func (q *MPMC) ArmPush() (*atomic.Uint32, uint32) { return q.nonFull.arm() }

// DisarmPush undoes ArmPush.
func (q *MPMC) DisarmPush() { q.nonFull.waiters.Add(^uint32(0)) }

// Closed reports whether the queue was closed.
func (q *MPMC) Closed() bool { return q.closed() }

func (e *event) arm() (*atomic.Uint32, uint32) {
	v := e.epoch.Load()
	e.waiters.Add(1)
	return &e.epoch, v
}

// Push appends b, blocking while the queue is full, until it closes
// (ErrClosed) or ctx ends.
func (q *MPMC) Push(ctx context.Context, b []byte) error {
	try := func() (bool, error) { return q.TryPush(b) }
	return q.block(ctx, q.nonFull, try)
}

// Pop removes the oldest message as TryPop does, blocking while the queue
// is empty, until it is closed and drained (ErrClosed) or ctx ends.
func (q *MPMC) Pop(ctx context.Context, buf []byte) ([]byte, error) {
	var msg []byte
	try := func() (bool, error) {
		m, ok, err := q.TryPop(buf)
		msg = m
		if !ok && err == nil && q.closed() {
			if m, ok, err = q.TryPop(buf); !ok && err == nil {
				return false, ErrClosed
			}
			msg = m
		}
		return ok, err
	}
	err := q.block(ctx, q.nonEmpty, try)
	return msg, err
}

// block retries try, spinning for the configured time and then sleeping on
// the event, until it succeeds or fails.
func (q *MPMC) block(ctx context.Context, e *event, try func() (bool, error)) error {
	sp := spinwait.Fixed(q.spin)
	for {
		if ok, err := try(); ok || err != nil {
			return err
		}
		if !sp.More() {
			break
		}
	}
	sp.Sleeping()
	for {
		v := e.epoch.Load()
		e.waiters.Add(1)
		ok, err := try()
		if ok || err != nil {
			e.waiters.Add(^uint32(0))
			return err
		}
		err = spinwait.Sleep(ctx, &e.epoch, v, q.handOff)
		e.waiters.Add(^uint32(0))
		if err != nil {
			return err
		}
	}
}
