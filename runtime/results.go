package runtime

import (
	"fmt"
	"unsafe"

	"github.com/shmrun/shmrun/runtime/internal/wire"
)

// complete stores an incarnation's result for a task in flight on it. A
// result that no correct worker could send (an unknown task, a task of
// another incarnation, a malformed values blob) is an error, and the
// caller kills the worker.
func (p *Pool) complete(inc *incarnation, r *wire.ResultMsg) error {
	if !r.Status.Known() || r.Status == wire.StatusCrashed {
		return fmt.Errorf("result status %d", r.Status)
	}
	p.mu.Lock()
	t := p.tasks.lookup(r.ID)
	if t == nil || t.state != taskInflight || !t.on(inc) {
		p.mu.Unlock()
		return fmt.Errorf("result for task %#x, which is not in flight on worker %d", r.ID, inc.w.id)
	}
	return p.completeLocked(inc, t, r, nil)
}

// completeLocked checks a result for t, in flight on inc, and stores it,
// then unlocks the pool. landed, if not nil, runs once the result is
// checked and before the task's owner can see it: it writes what a remote
// host's task wrote in place.
func (p *Pool) completeLocked(inc *incarnation, t *task, r *wire.ResultMsg, landed func(*task)) error {
	w := inc.w
	raceAcquire(unsafe.Pointer(t))
	if r.Status == wire.StatusOk {
		if err := checkValues(r.Values, r.Stride, t.items); err != nil {
			p.mu.Unlock()
			return err
		}
	}
	if err := checkWaits(r.Waits, r.Start, r.End); err != nil {
		p.mu.Unlock()
		return err
	}
	w.inflight--
	// Count the task before its owner can see the result, so that Stats
	// read after a Wait include it.
	w.account(t, r)
	if p.hedgedLocked(inc, t, r, landed) {
		p.mu.Unlock()
		return nil
	}
	storeResult(t, r)
	if landed != nil {
		landed(t)
	}
	p.finishLocked(t)
	more := len(p.pending) > 0
	p.mu.Unlock()
	if more {
		p.dispatchPending()
	}
	return nil
}

// storeResult copies a result's outcome into its task.
func storeResult(t *task, r *wire.ResultMsg) {
	t.status, t.start, t.end = r.Status, r.Start, r.End
	t.values, t.vals = append(t.values[:0], r.Values...), r.Stride
	t.errMsg = append(t.errMsg[:0], r.Error...)
}

// checkValues verifies that a values blob holds exactly n well-formed
// outcomes. Strided values need no walk: wire.Decode checked their
// length.
func checkValues(values []byte, stride, n uint32) error {
	if stride != 0 {
		if uint64(len(values)) != uint64(n)*uint64(stride) {
			return fmt.Errorf("%d bytes for %d values of %d", len(values), n, stride)
		}
		return nil
	}
	rest := values
	for i := range n {
		var err error
		if _, _, rest, err = wire.NextValue(rest); err != nil {
			return fmt.Errorf("value %d of %d: %w", i, n, err)
		}
	}
	if len(rest) != 0 {
		return fmt.Errorf("%d bytes after %d values", len(rest), n)
	}
	return nil
}

// account adds a finished task to the worker's statistics and timeline:
// its span, and a span for each wait on a channel (checked already).
func (w *worker) account(t *task, r *wire.ResultMsg) {
	w.tasks.Add(1)
	if d := r.End - r.Start; d > 0 && r.Start > 0 {
		w.busy.Add(d)
	}
	tl := w.p.tl
	if tl == nil {
		return
	}
	tl.span(w.id, t.kernel.name, r.ID, t.attempt, t.items, r.Start, r.End)
	for rest := r.Waits; len(rest) > 0; {
		name, start, end, next, _ := wire.NextWait(rest)
		tl.wait(w.id, string(name), start, end)
		rest = next
	}
}

// checkWaits verifies a result's waits: well-formed, at most maxWaits of
// them, each within the task's run.
func checkWaits(waits []byte, start, end int64) error {
	for n := 0; len(waits) > 0; n++ {
		_, s, e, rest, err := wire.NextWait(waits)
		switch {
		case err != nil:
			return fmt.Errorf("wait %d: %w", n, err)
		case n >= maxWaits:
			return fmt.Errorf("more than %d waits", maxWaits)
		case s < start || e > end:
			return fmt.Errorf("wait %d from %d to %d, outside the task's run from %d to %d", n, s, e, start, end)
		}
		waits = rest
	}
	return nil
}
