package runtime

import "github.com/shmrun/shmrun/runtime/internal/wire"

type taskState uint8

const (
	taskFree     taskState = iota
	taskQueued             // waiting in the pending list for a worker
	taskInflight           // sent to a worker
	taskDone               // outcome stored, not yet consumed
	taskClaimed            // a Wait or a Map is reading the outcome
)

// task is one slot of the pool's task table. Slots are reused, so a task's
// id carries a generation that changes at each reuse; a handle with an old
// generation is stale. Every field is guarded by Pool.mu, except args and
// the outcome fields, which only the slot's current owner touches: the
// dispatcher and the worker's reader while in flight, the consumer once
// claimed.
type task struct {
	idx          uint32
	gen          uint32
	state        taskState
	kernel       *kernelInfo
	items        uint32
	args         []byte
	stride       uint32 // the args' layout (wire.TaskMsg.Stride)
	attempt      uint32
	crashes      uint32
	deadline     int64
	inc          *incarnation // the incarnation it is in flight on
	hedge        *incarnation // a local worker running a copy of it, while a host has it (see hedge.go)
	held         bool         // its host's result is stored; it ends when its hedge ends
	job          *hostJob     // on a host: the master's job it runs (see hostjobs.go)
	abandoned    bool         // the owner gave up: free the slot when it comes back
	abandonedGen uint32       // generation last released after being abandoned
	cause        error        // why it was abandoned: ErrCancelled, maybe wrapping the context's cause
	first        int          // maps: index of the chunk's first item
	waiters      int          // Waits blocked on done

	status wire.Status
	values []byte
	vals   uint32 // the values' layout (wire.ResultMsg.Stride)
	errMsg []byte
	err    error // a failure decided by the master: crash, closed, cancel
	start  int64
	end    int64

	done    chan struct{} // futures: one signal per outcome
	sink    chan<- *task  // maps: receives the task when it has an outcome
	stopCtx func() bool   // stops the submit context's cancel hook
}

func (t *task) id() uint64 { return uint64(t.idx)<<32 | uint64(t.gen) }

// taskTable hands out task slots; it grows as needed and never shrinks, so
// a steady state reuses slots without allocating.
type taskTable struct {
	all  []*task
	free []uint32
}

func (tt *taskTable) alloc() *task {
	if n := len(tt.free); n > 0 {
		t := tt.all[tt.free[n-1]]
		tt.free = tt.free[:n-1]
		return t
	}
	t := &task{idx: uint32(len(tt.all)), gen: 1, done: make(chan struct{}, 1)}
	tt.all = append(tt.all, t)
	return t
}

// lookup returns the live task an id names, or nil.
func (tt *taskTable) lookup(id uint64) *task {
	idx, gen := id>>32, uint32(id)
	if idx >= uint64(len(tt.all)) {
		return nil
	}
	t := tt.all[idx]
	if t.gen != gen || t.state == taskFree {
		return nil
	}
	return t
}

// release returns a slot to the free list. No Wait may be blocked on it.
func (tt *taskTable) release(t *task) {
	select {
	case <-t.done: // a signal nobody consumed
	default:
	}
	if t.stopCtx != nil {
		t.stopCtx()
	}
	if t.abandoned {
		t.abandonedGen = t.gen
	}
	t.gen++
	if t.gen == 0 {
		t.gen = 1 // ids are never 0: 0 means "idle" in a control block
	}
	t.state, t.kernel, t.sink, t.stopCtx, t.err, t.cause, t.job = taskFree, nil, nil, nil, nil, nil, nil
	t.abandoned, t.crashes, t.attempt, t.inc, t.hedge, t.held = false, 0, 0, nil, nil, false
	t.args, t.values, t.errMsg, t.stride, t.vals = t.args[:0], t.values[:0], t.errMsg[:0], 0, 0
	tt.free = append(tt.free, t.idx)
}

// signal wakes the task's waiter or hands the task to its map.
func (t *task) signal() {
	if t.sink != nil {
		t.sink <- t
		return
	}
	select {
	case t.done <- struct{}{}:
	default:
	}
}
