package runtime

import (
	"context"
	"fmt"

	"github.com/shmrun/shmrun/ring"
)

// submission is what a caller asks to run: a kernel over an args blob of
// items, with an optional deadline, delivered to a future or a map's sink.
type submission struct {
	kernel   *kernelInfo
	args     []byte
	items    uint32
	stride   uint32 // the args' layout (wire.TaskMsg.Stride)
	deadline int64
	sink     chan<- *task
	job      *hostJob // on a host: the master's job the task runs
}

// submit takes a task slot, copies the submission into it and sends it to
// the least loaded ready worker, blocking while every worker is full.
func (p *Pool) submit(ctx context.Context, s submission) (*task, uint32, error) {
	if max := ring.MaxFrame(p.opts.RingSize) - 256; len(s.args) > max {
		return nil, 0, fmt.Errorf("%w: %d bytes of arguments, at most %d", ErrTooLarge, len(s.args), max)
	}
	p.mu.Lock()
	w, err := p.waitWorkerLocked(ctx, s.kernel.remote)
	if err != nil {
		p.mu.Unlock()
		return nil, 0, err
	}
	t := p.tasks.alloc()
	t.kernel, t.items, t.stride, t.deadline, t.sink, t.job = s.kernel, s.items, s.stride, s.deadline, s.sink, s.job
	t.args = append(t.args[:0], s.args...)
	t.attempt = 1
	p.active++
	gen := t.gen
	inc := p.assignLocked(t, w)
	p.mu.Unlock()
	inc.live.send(t)
	return t, gen, nil
}

// waitWorkerLocked returns a ready worker with room, waiting for one; a
// host is one if remote.
func (p *Pool) waitWorkerLocked(ctx context.Context, remote bool) (*worker, error) {
	for {
		if p.closing {
			return nil, ErrClosed
		}
		if w := p.pickLocked(remote); w != nil {
			return w, nil
		}
		ch := p.space
		p.spaceW++
		p.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
		}
		p.mu.Lock()
		p.spaceW--
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
}

// pickLocked chooses the ready worker with the fewest tasks in flight,
// starting the scan after the last choice so that ties rotate; with
// remote, the hosts too, by their tasks in flight per unit of capacity
// (a local worker wins a tie: its results come sooner).
func (p *Pool) pickLocked(remote bool) *worker {
	var best *worker
	n := len(p.workers)
	for i := range n {
		w := p.workers[(p.next+i)%n]
		if !w.cur.Load().isReady() || w.inflight >= p.opts.QueueDepth {
			continue
		}
		if best == nil || w.inflight < best.inflight {
			best = w
		}
	}
	if best != nil {
		p.next = (best.id + 1) % n
	}
	if remote {
		for _, w := range p.hosts {
			if inc := w.cur.Load(); inc.isReady() && !inc.live.(*hostLive).suspect.Load() && w.inflight < p.opts.QueueDepth*w.capacity &&
				(best == nil || w.inflight*best.slotCapacity() < best.inflight*w.capacity) {
				best = w
			}
		}
	}
	return best
}

// slotCapacity is how many tasks the slot runs at once.
func (w *worker) slotCapacity() int { return max(w.capacity, 1) }

// assignLocked marks t in flight on w's current incarnation, which it
// returns: t belongs to that incarnation, and dies with it.
func (p *Pool) assignLocked(t *task, w *worker) *incarnation {
	inc := w.cur.Load()
	t.state, t.inc = taskInflight, inc
	w.inflight++
	return inc
}

// freedLocked notes that a worker slot freed up: a blocked submitter or a
// pending task may go.
func (p *Pool) freedLocked() {
	if p.spaceW > 0 {
		close(p.space)
		p.space = make(chan struct{})
	}
}

// dispatchPending sends queued tasks to workers with room, the oldest
// first: a task only a local worker may run does not hold back one that
// a host with room could.
func (p *Pool) dispatchPending() {
	for {
		p.mu.Lock()
		i, w := p.nextPendingLocked()
		if w == nil {
			p.mu.Unlock()
			return
		}
		t := p.pending[i]
		if i == 0 {
			p.pending = p.pending[1:]
		} else {
			p.pending = append(p.pending[:i], p.pending[i+1:]...)
		}
		inc := p.assignLocked(t, w)
		p.mu.Unlock()
		inc.live.send(t)
	}
}

// nextPendingLocked returns the oldest pending task that a worker with
// room may run, and that worker; nil if there is none.
func (p *Pool) nextPendingLocked() (int, *worker) {
	local := true // a local worker has room, as far as we know
	for i, t := range p.pending {
		if !t.kernel.remote && !local {
			continue
		}
		if w := p.pickLocked(t.kernel.remote); w != nil {
			return i, w
		}
		if !t.kernel.remote {
			local = false
		} else {
			return 0, nil // not even a host has room
		}
	}
	return 0, nil
}

// finishLocked records a task's outcome and hands it to its owner, or
// frees the slot if the owner gave up on it.
func (p *Pool) finishLocked(t *task) {
	t.state, t.inc, t.hedge, t.held = taskDone, nil, nil, false
	p.active--
	if p.active == 0 && p.idle != nil {
		close(p.idle)
		p.idle = nil
	}
	switch {
	case t.abandoned && t.waiters == 0:
		p.tasks.release(t)
	default:
		t.signal()
	}
	p.freedLocked()
}
