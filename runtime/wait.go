package runtime

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/shmrun/shmrun/internal/mono"
	"github.com/shmrun/shmrun/runtime/internal/wire"
)

// waitKey is the context key under which a kernel's context carries the
// waits recorder of the worker that runs it.
type waitKey struct{}

// maxWaits bounds the waits one task's result reports; more are counted in
// the timeline as one.
const maxWaits = 16

// waits records a kernel's waits on channels: the one under way in the
// worker's control block, where the master's Stats sees it, and the ones
// over for the task's result, which the timeline shows. A kernel's own
// goroutines may wait at once, hence the lock.
type waits struct {
	used  atomic.Bool // the task waited: tasks that do not cost no lock
	mu    sync.Mutex
	ctl   *control
	name  string
	since int64
	depth int // waits under way
	rec   []byte
	n     int
}

// reset starts a new task.
func (w *waits) reset() {
	if w.used.Load() {
		w.mu.Lock()
		w.rec, w.n = w.rec[:0], 0
		w.used.Store(false)
		w.mu.Unlock()
	}
}

// begin notes that the kernel starts waiting on the named channel.
func (w *waits) begin(name string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.used.Store(true)
	if w.depth++; w.depth > 1 {
		return // the first one under way shows
	}
	w.name, w.since = name, mono.Now()
	w.ctl.setWait(name, w.since)
}

// end notes that a wait is over.
func (w *waits) end() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.depth--; w.depth > 0 {
		return
	}
	if w.n < maxWaits {
		w.rec = wire.AppendWait(w.rec, []byte(w.name), w.since, mono.Now())
		w.n++
	}
	w.ctl.setWait("", 0)
}

// recorded returns the task's waits, for its result.
func (w *waits) recorded() []byte {
	if !w.used.Load() {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.rec
}

// waitBegin notes, if ctx is a kernel's context (or derived from one),
// that the kernel blocks on the named channel, and returns what the caller
// ends the wait with: nil elsewhere.
func waitBegin(ctx context.Context, name string) *waits {
	w, _ := ctx.Value(waitKey{}).(*waits)
	if w != nil {
		w.begin(name)
	}
	return w
}

// waitEnd ends a wait that waitBegin began.
func waitEnd(w *waits) {
	if w != nil {
		w.end()
	}
}
