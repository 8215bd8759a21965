package runtime

import (
	"context"
	"errors"
	"fmt"
	"iter"

	"github.com/shmrun/shmrun/arena"
	"github.com/shmrun/shmrun/ring"
)

// ErrChanClosed is returned by a channel's or a queue's send after Close,
// and by its receive once it is closed and drained: the poison of the CSP
// proposals.
var ErrChanClosed = ring.ErrClosed

// MaxChanName and MaxQueueName bound the names of channels and queues:
// their regions are named "chan.NAME" and "queue.NAME", in at most
// arena.MaxNameLen bytes.
const (
	MaxChanName  = arena.MaxNameLen - len(chanPrefix)
	MaxQueueName = arena.MaxNameLen - len(queuePrefix)
)

const (
	chanPrefix  = "chan."
	queuePrefix = "queue."
)

// ChanRef names a channel or queue so that another process can open it: a
// plain value, so it can travel as (part of) a kernel's argument.
type ChanRef struct {
	name [arena.MaxNameLen]byte
	n    uint8
}

func newRef(name string) ChanRef {
	var r ChanRef
	r.n = uint8(copy(r.name[:], name))
	return r
}

func (r ChanRef) String() string { return string(r.name[:r.n]) }

// Chan is a typed channel between processes: its messages go through a
// bounded MPMC queue in the pool's arena, encoded with a Codec. Any number
// of goroutines in any number of processes may send and receive at once.
//
// A kernel that waits on a channel holds its worker while it waits: a
// worker runs one task at a time. A pipeline whose stages are kernels that
// run until their input closes needs a worker for every stage that runs at
// once, and more for the tasks that feed them; with fewer, the stages wait
// on each other until their contexts end. Such a wait shows: in Stats
// (WorkerStats.Waiting and WaitingFor) while it lasts, and on the
// timeline as a "wait" span, when the kernel waits with its own context
// (Env.Context) or one derived from it.
type Chan[T any] struct {
	q     *ring.MPMC
	codec Codec[T]
	ref   ChanRef
}

// NewChan makes a channel in p's arena named name (unique among the pool's
// channels, at most MaxChanName bytes), holding up to capacity messages
// (rounded up to a power of two) of at most msgSize encoded bytes.
func NewChan[T any](p *Pool, name string, capacity, msgSize int) (*Chan[T], error) {
	return NewChanCodec(p, name, capacity, msgSize, CodecFor[T]())
}

// NewChanCodec is NewChan with an explicit codec.
func NewChanCodec[T any](p *Pool, name string, capacity, msgSize int, codec Codec[T]) (*Chan[T], error) {
	q, ref, err := newQueueRegion(p.arena, chanPrefix+name, capacity, msgSize, 0)
	if err != nil {
		return nil, err
	}
	return &Chan[T]{q: q, codec: codec, ref: ref}, nil
}

// newQueueRegion allocates and formats an MPMC queue, with extra bytes in
// front for a queue's counters.
func newQueueRegion(a *arena.Arena, name string, capacity, msgSize, extra int) (*ring.MPMC, ChanRef, error) {
	if len(name) > arena.MaxNameLen {
		return nil, ChanRef{}, fmt.Errorf("shmrun: channel name %q too long", name)
	}
	slots := 2
	for slots < capacity {
		slots *= 2
	}
	r, err := a.Alloc(name, extra+ring.MPMCSize(slots, msgSize), ring.KindMPMC)
	if err != nil {
		return nil, ChanRef{}, fmt.Errorf("shmrun: channel %s: %w", name, err)
	}
	q, err := openQueue(r, extra, slots, msgSize)
	return q, newRef(name), err
}

func openQueue(r arena.Region, extra, slots, msgSize int) (*ring.MPMC, error) {
	sub, err := subRegion(r, extra)
	if err != nil {
		return nil, err
	}
	if slots > 0 {
		if err := ring.InitMPMC(sub, slots, msgSize); err != nil {
			return nil, err
		}
	}
	return ring.OpenMPMC(sub, nil)
}

// OpenChan opens, in a kernel, the channel that ref names.
func OpenChan[T any](env *Env, ref ChanRef) (*Chan[T], error) {
	return OpenChanIn[T](env.Arena(), ref, CodecFor[T]())
}

// OpenChanIn opens the channel ref names in an arena, with a codec.
func OpenChanIn[T any](a *arena.Arena, ref ChanRef, codec Codec[T]) (*Chan[T], error) {
	r, err := a.Region(ref.String())
	if err != nil {
		return nil, err
	}
	q, err := openQueue(r, 0, 0, 0)
	if err != nil {
		return nil, err
	}
	return &Chan[T]{q: q, codec: codec, ref: ref}, nil
}

// Ref returns the channel's name, to pass to a kernel.
func (c *Chan[T]) Ref() ChanRef { return c.ref }

// Send sends v, blocking while the channel is full, until it is closed
// (ErrChanClosed) or ctx ends. A kernel that blocks here with its
// context (or one derived from it) shows as waiting on the channel.
func (c *Chan[T]) Send(ctx context.Context, v T) error {
	buf := argBufs.Get().(*[]byte)
	defer argBufs.Put(buf)
	*buf = c.codec.Append((*buf)[:0], v)
	if ok, err := c.q.TryPush(*buf); ok || err != nil {
		return err
	}
	w := waitBegin(ctx, c.ref.String())
	err := c.q.Push(ctx, *buf)
	waitEnd(w)
	return err
}

// TrySend sends v if there is room, without blocking.
func (c *Chan[T]) TrySend(v T) (bool, error) {
	buf := argBufs.Get().(*[]byte)
	defer argBufs.Put(buf)
	*buf = c.codec.Append((*buf)[:0], v)
	return c.q.TryPush(*buf)
}

// Recv receives a value, blocking while the channel is empty, until it is
// closed and drained (ErrChanClosed) or ctx ends. A kernel that blocks
// here with its context shows as waiting on the channel.
func (c *Chan[T]) Recv(ctx context.Context) (T, error) {
	buf := argBufs.Get().(*[]byte)
	defer argBufs.Put(buf)
	msg, ok, err := c.q.TryPop((*buf)[:0])
	if !ok && err == nil {
		var w *waits
		if !c.q.Closed() { // closed, it is drained or about to be: no wait
			w = waitBegin(ctx, c.ref.String())
		}
		msg, err = c.q.Pop(ctx, (*buf)[:0])
		waitEnd(w)
	}
	if err != nil {
		var zero T
		return zero, err
	}
	*buf = msg
	return c.codec.Decode(msg)
}

// TryRecv receives a value if one is waiting, without blocking. On a
// closed, drained channel it returns ErrChanClosed.
func (c *Chan[T]) TryRecv() (T, bool, error) {
	var zero T
	buf := argBufs.Get().(*[]byte)
	defer argBufs.Put(buf)
	msg, ok, err := c.q.TryPop((*buf)[:0])
	if err != nil || !ok {
		if err == nil && c.q.Closed() {
			if msg, ok, err = c.q.TryPop((*buf)[:0]); !ok && err == nil {
				err = ErrChanClosed
			}
		}
		if !ok {
			return zero, false, err
		}
	}
	*buf = msg
	v, err := c.codec.Decode(msg)
	return v, err == nil, err
}

// All returns the channel's messages as a sequence for range: it receives
// until the channel is closed and drained, then ends (no error). A receive
// that fails otherwise (ctx ended, a message that does not decode) yields
// its error once, and the sequence ends. Breaking out of the loop stops
// receiving; what is left stays in the channel.
//
//	for v, err := range ch.All(ctx) {
//		if err != nil {
//			return err
//		}
//		use(v)
//	}
func (c *Chan[T]) All(ctx context.Context) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for {
			v, err := c.Recv(ctx)
			if errors.Is(err, ErrChanClosed) {
				return
			}
			if !yield(v, err) || err != nil {
				return
			}
		}
	}
}

// Close closes the channel for every process: sends fail at once, and
// receivers drain what is left before they get ErrChanClosed.
func (c *Chan[T]) Close() { c.q.Close() }

// Len returns the number of messages waiting, approximately.
func (c *Chan[T]) Len() int { return c.q.Len() }

// subRegion is the part of r after its first extra bytes, as a region the
// ring package can format. A queue keeps its counters in those bytes.
func subRegion(r arena.Region, extra int) (arena.Region, error) {
	if extra == 0 {
		return r, nil
	}
	if extra > r.Len() {
		return arena.Region{}, errors.New("shmrun: bad queue layout")
	}
	return r.Sub(extra, r.Len()-extra)
}
