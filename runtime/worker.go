package runtime

import (
	"sync"
	"sync/atomic"
)

// worker is one worker slot: its index, its statistics and the current
// incarnation. It lives as long as the pool; what its backend keeps across
// incarnations (a process's rings and control block) the backend keeps,
// by the slot's index.
type worker struct {
	p  *Pool
	id int

	life    sync.Mutex                  // orders starts and stops of incarnations
	cur     atomic.Pointer[incarnation] // the latest incarnation; nil before the first start
	stopped atomic.Bool                 // the pool stopped the slot for good

	inflight int    // tasks assigned to the current incarnation, not answered; guarded by Pool.mu
	capacity int    // tasks it runs at once: 1 for a local worker, a host's worker count (then 0 is 1)
	host     string // the remote host's name; "" for a local worker
	restarts atomic.Int64
	badStart atomic.Int64 // consecutive incarnations that died before they were ready
	tasks    atomic.Uint64
	busy     atomic.Int64
}

// incState is where an incarnation is in its life.
type incState int32

const (
	incStarting incState = iota
	incReady
	incDead    // ended; a replacement may follow
	incStopped // stopped by the pool; it ends without a replacement
)

// incarnation is one life of a worker slot: a process, or a goroutine,
// started once and ended once. A task is assigned to an incarnation, not
// to a slot: if the incarnation dies, its tasks are taken back, and no
// later incarnation sees a task it was not given.
type incarnation struct {
	w      *worker
	live   live          // the backend's side; set by backend.start before anything runs
	state  atomic.Int32  // an incState
	ready  chan error    // the handshake's outcome, sent at most once (buffered)
	exited chan struct{} // closed once the incarnation has ended (a process reaped)
	killed atomic.Pointer[Kill]
	procID atomic.Int64 // the process id, once the backend knows it; 0 for a goroutine
}

func (inc *incarnation) loadState() incState { return incState(inc.state.Load()) }

// publish makes the incarnation its slot's current one: Stats shows it, and
// tasks go to it once it is ready.
func (inc *incarnation) publish() { inc.w.cur.Store(inc) }

// isReady reports whether the incarnation takes tasks.
func (inc *incarnation) isReady() bool { return inc != nil && inc.loadState() == incReady }

// kill has the master end the incarnation for the reason k; the first
// reason given is the one its exit reports.
func (inc *incarnation) kill(k Kill) {
	inc.killed.CompareAndSwap(nil, &k)
	inc.live.kill()
}

// pid is the incarnation's process id, 0 where it has none.
func (inc *incarnation) pid() int {
	if inc == nil {
		return 0
	}
	return int(inc.procID.Load())
}

// backend runs the incarnations of worker slots: worker processes, or
// goroutines of the master. Supervision, attempts, deadlines and the
// timeline sit above it and do not know which backend runs a task.
type backend interface {
	// start starts a new incarnation of inc.w: once it exists (a process
	// is running), it sets inc.live and inc.procID and calls inc.publish,
	// and only then starts the goroutines that serve it, so that its hello
	// finds it current. It then reports the handshake with Pool.ready (or
	// an error on inc.ready) and, for an incarnation that can die, its
	// end, exactly once, with Pool.onExit, after closing inc.exited. A
	// start that fails publishes and reports nothing.
	start(inc *incarnation) error
	// watch supervises the running incarnations until stop closes: it
	// kills those that stopped working (the process backend's heartbeat
	// watcher). It returns at once if there is nothing to watch.
	watch(stop <-chan struct{})
}

// live is the backend's side of one incarnation.
type live interface {
	// send delivers a task assigned to the incarnation. If the incarnation
	// has died, send drops it: the death takes the task back.
	send(t *task)
	// cancel asks the incarnation to cancel the task: a queued one is
	// skipped, a running kernel's context is cancelled.
	cancel(id uint64)
	// stop ends the incarnation: gracefully (it runs what it was sent,
	// then ends) or, with now, at once.
	stop(now bool)
	// kill ends the incarnation at once, from any goroutine; the master
	// recorded why before calling it.
	kill()
	// shutdown runs when the incarnation has ended, before its tasks are
	// taken back: afterwards nothing it sent is still being read and no
	// send reaches it.
	shutdown()
	// running is the task the incarnation said it runs, 0 for none: once
	// it has ended, the task to blame for its death.
	running() uint64
	// output returns up to n of the last lines it wrote, for crash
	// reports; nil where it has no output of its own.
	output(n int) []string
	// waiting returns the channel its running kernel waits on and since
	// when (CLOCK_MONOTONIC), since 0 if it waits on none.
	waiting() (string, int64)
}

// start starts a new incarnation of the slot; the backend makes it
// current (publish) once it exists.
func (w *worker) start() (*incarnation, error) {
	inc := &incarnation{w: w, ready: make(chan error, 1), exited: make(chan struct{})}
	if err := w.p.backend.start(inc); err != nil {
		inc.state.Store(int32(incDead))
		close(inc.exited)
		return nil, err
	}
	return inc, nil
}

// stop ends the slot's incarnation for good.
func (w *worker) stop(now bool) {
	w.life.Lock()
	defer w.life.Unlock()
	w.stopped.Store(true)
	if inc := w.cur.Load(); inc != nil && inc.live != nil {
		inc.state.Store(int32(incStopped))
		inc.live.stop(now)
	}
}
