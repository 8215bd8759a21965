package runtime

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/shmrun/shmrun/internal/futex"
)

// Case is one arm of a Select: a receive from or a send to a channel. Make
// one with Chan.RecvCase or Chan.SendCase; a Case may be reused across
// Selects but not shared between concurrent ones.
type Case interface {
	try() (bool, error)
	arm() (*atomic.Uint32, uint32)
	disarm()
	chanRef() ChanRef
}

type recvCase[T any] struct {
	c   *Chan[T]
	dst *T
}

type sendCase[T any] struct {
	c *Chan[T]
	v T
}

// RecvCase is a Select arm that receives into *dst.
func (c *Chan[T]) RecvCase(dst *T) Case { return &recvCase[T]{c: c, dst: dst} }

// SendCase is a Select arm that sends v.
func (c *Chan[T]) SendCase(v T) Case { return &sendCase[T]{c: c, v: v} }

func (r *recvCase[T]) try() (bool, error) {
	v, ok, err := r.c.TryRecv()
	if ok {
		*r.dst = v
	}
	return ok, err
}
func (r *recvCase[T]) arm() (*atomic.Uint32, uint32) { return r.c.q.ArmPop() }
func (r *recvCase[T]) disarm()                       { r.c.q.DisarmPop() }
func (r *recvCase[T]) chanRef() ChanRef              { return r.c.ref }

func (s *sendCase[T]) try() (bool, error)            { return s.c.TrySend(s.v) }
func (s *sendCase[T]) arm() (*atomic.Uint32, uint32) { return s.c.q.ArmPush() }
func (s *sendCase[T]) disarm()                       { s.c.q.DisarmPush() }
func (s *sendCase[T]) chanRef() ChanRef              { return s.c.ref }

var selectTurn atomic.Uint32

// Select waits until one of the cases can proceed, does it and returns its
// index, like Go's select statement over channels of several processes. A
// receive from a closed, drained channel, or a send to a closed one,
// proceeds at once with ErrChanClosed. When several are ready, the choice
// rotates. Select returns -1 and ctx's error if ctx ends first. It sleeps
// on all the channels at once (futex_waitv) instead of polling. A kernel
// that blocks here holds its worker, as with a Chan's Send and Recv (see
// Chan), and, with its context, shows as waiting on its first case's
// channel.
func Select(ctx context.Context, cases ...Case) (int, error) {
	if len(cases) == 0 || len(cases) > futex.MaxWaitV {
		return -1, errors.New("shmrun: Select needs 1 to 128 cases")
	}
	if i, err := TrySelect(cases...); i >= 0 {
		return i, err
	}
	defer waitEnd(waitBegin(ctx, cases[0].chanRef().String()))
	words := make([]*atomic.Uint32, len(cases))
	vals := make([]uint32, len(cases))
	for {
		if i, err := TrySelect(cases...); i >= 0 {
			return i, err
		}
		for i, c := range cases {
			words[i], vals[i] = c.arm()
		}
		i, err := TrySelect(cases...) // re-check after announcing
		if i < 0 {
			err = sleepAny(ctx, words, vals)
		}
		for _, c := range cases {
			c.disarm()
		}
		if i >= 0 {
			return i, err
		}
		if err != nil {
			return -1, err
		}
	}
}

// TrySelect is Select without waiting: it returns -1 and nil when no case
// can proceed now.
func TrySelect(cases ...Case) (int, error) {
	n := len(cases)
	start := int(selectTurn.Add(1)) % n
	for k := range n {
		i := (start + k) % n
		if ok, err := cases[i].try(); ok || err != nil {
			return i, err
		}
	}
	return -1, nil
}

// sleepAny sleeps until a word changes, ctx ends, or a bounded time passes.
func sleepAny(ctx context.Context, words []*atomic.Uint32, vals []uint32) error {
	timeout := 250 * time.Millisecond
	if dl, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(dl))
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if timeout <= 0 {
		return context.DeadlineExceeded
	}
	if ctx.Done() != nil {
		stop := context.AfterFunc(ctx, func() {
			for _, w := range words {
				w.Add(1)
				futex.Wake(w, 1<<30)
			}
		})
		defer stop()
	}
	if errors.Is(futex.WaitV(words, vals, timeout), errors.ErrUnsupported) {
		time.Sleep(min(timeout, time.Millisecond)) // kernels before 5.16: poll
	}
	return ctx.Err()
}
