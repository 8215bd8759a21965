package runtime

import (
	"context"
	"errors"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/shmrun/shmrun/arena"
	"github.com/shmrun/shmrun/internal/futex"
)

// ErrTooManyDone is returned by Queue.Done called more often than items
// were put.
var ErrTooManyDone = errors.New("shmrun: Queue.Done called more times than Put")

// queueCounters live in front of a queue's MPMC region.
type queueCounters struct {
	unfinished atomic.Int64
	_          [56]byte
	epoch      atomic.Uint32 // bumped each time unfinished drops to zero
}

const queueExtra = 128

// Queue is a work-sharing queue between processes: workers Get items, do
// them and call Done; Join waits until every item Put has been Done (like
// Python's JoinableQueue). Its methods are safe for any number of
// goroutines in any number of processes. An item taken by a worker that
// dies before Done is lost to Join: re-Put it if your kernels can tell.
type Queue[T any] struct {
	ch  Chan[T]
	ctr *queueCounters
}

// NewQueue makes a queue in p's arena, as NewChan makes a channel; its
// name has at most MaxQueueName bytes.
func NewQueue[T any](p *Pool, name string, capacity, msgSize int) (*Queue[T], error) {
	q, ref, err := newQueueRegion(p.arena, queuePrefix+name, capacity, msgSize, queueExtra)
	if err != nil {
		return nil, err
	}
	r, _ := p.arena.Region(ref.String())
	return &Queue[T]{ch: Chan[T]{q: q, codec: CodecFor[T](), ref: ref}, ctr: countersOf(r)}, nil
}

// OpenQueue opens, in a kernel, the queue that ref names.
func OpenQueue[T any](env *Env, ref ChanRef) (*Queue[T], error) {
	r, err := env.Arena().Region(ref.String())
	if err != nil {
		return nil, err
	}
	q, err := openQueue(r, queueExtra, 0, 0)
	if err != nil {
		return nil, err
	}
	return &Queue[T]{ch: Chan[T]{q: q, codec: CodecFor[T](), ref: ref}, ctr: countersOf(r)}, nil
}

func countersOf(r arena.Region) *queueCounters {
	return (*queueCounters)(unsafe.Pointer(&r.Bytes()[0]))
}

// Ref returns the queue's name, to pass to a kernel.
func (q *Queue[T]) Ref() ChanRef { return q.ch.ref }

// Put adds an item, blocking while the queue is full.
func (q *Queue[T]) Put(ctx context.Context, v T) error {
	q.ctr.unfinished.Add(1)
	if err := q.ch.Send(ctx, v); err != nil {
		q.done()
		return err
	}
	return nil
}

// Get takes an item, blocking while the queue is empty, until it is closed
// and drained (ErrChanClosed) or ctx ends. Call Done when the item is done.
func (q *Queue[T]) Get(ctx context.Context) (T, error) { return q.ch.Recv(ctx) }

// TryGet takes an item if one is waiting.
func (q *Queue[T]) TryGet() (T, bool, error) { return q.ch.TryRecv() }

// Done marks an item taken with Get as finished.
func (q *Queue[T]) Done() error {
	if q.ctr.unfinished.Load() <= 0 {
		return ErrTooManyDone
	}
	q.done()
	return nil
}

func (q *Queue[T]) done() {
	if q.ctr.unfinished.Add(-1) == 0 {
		q.ctr.epoch.Add(1)
		futex.Wake(&q.ctr.epoch, 1<<30)
	}
}

// Join blocks until every item put so far is done, or ctx ends.
func (q *Queue[T]) Join(ctx context.Context) error {
	for {
		v := q.ctr.epoch.Load()
		if q.ctr.unfinished.Load() <= 0 {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		futex.WaitLong(&q.ctr.epoch, v, 20*time.Millisecond)
	}
}

// Len returns the number of items waiting, approximately.
func (q *Queue[T]) Len() int { return q.ch.Len() }

// Close closes the queue: Put fails, Get drains and then fails.
func (q *Queue[T]) Close() { q.ch.Close() }
