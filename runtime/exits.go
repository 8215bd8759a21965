package runtime

import "sync"

// WorkerExit describes the end of one worker process, as OnWorkerExit
// reports it.
type WorkerExit struct {
	Worker   int    // the index of the worker slot
	PID      int    // the process that ended
	Reason   string // "exit status 0", "killed by signal SIGKILL", "killed by the master: ..."
	Graceful bool   // the pool stopped it and it exited cleanly
}

// exitSubscribers holds the functions OnWorkerExit registered.
type exitSubscribers struct {
	mu   sync.Mutex
	next int
	fns  map[int]func(WorkerExit)
}

// OnWorkerExit subscribes fn to the exits of the pool's worker processes,
// crashes and graceful stops alike, and returns a function that ends the
// subscription. fn runs on the supervising goroutine of the worker that
// died, after its process was reaped and before its tasks run again or a
// replacement starts: state that belonged to the dead process can be
// marked dead before any successor exists. fn may run for several workers
// at once, must be quick and must not wait for the pool (no Submit, no
// Close). In goroutine mode no worker process exists, and fn is never
// called.
func (p *Pool) OnWorkerExit(fn func(WorkerExit)) (cancel func()) {
	s := &p.exitSubs
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fns == nil {
		s.fns = map[int]func(WorkerExit){}
	}
	id := s.next
	s.next++
	s.fns[id] = fn
	return func() {
		s.mu.Lock()
		delete(s.fns, id)
		s.mu.Unlock()
	}
}

// notifyExit calls every subscriber with e, outside the lock so that a
// subscriber may unsubscribe.
func (p *Pool) notifyExit(e WorkerExit) {
	s := &p.exitSubs
	s.mu.Lock()
	fns := make([]func(WorkerExit), 0, len(s.fns))
	for _, fn := range s.fns {
		fns = append(fns, fn)
	}
	s.mu.Unlock()
	for _, fn := range fns {
		fn(e)
	}
}
