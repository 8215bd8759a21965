package runtime

import (
	"strconv"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// ExitCause says how a worker incarnation ended.
type ExitCause uint8

const (
	// ExitStopped is a worker the pool stopped (Close, or a Start that
	// failed); WorkerExit.Graceful tells whether it exited cleanly.
	ExitStopped ExitCause = iota + 1
	// ExitCrashed is a worker that ended on its own: a signal or an exit
	// status, as WorkerExit.Signal and WorkerExit.Status say.
	ExitCrashed
	// ExitKilled is a worker the master killed; WorkerExit.Kill says why.
	ExitKilled
)

func (c ExitCause) String() string {
	switch c {
	case ExitStopped:
		return "stopped"
	case ExitCrashed:
		return "crashed"
	case ExitKilled:
		return "killed"
	}
	return "ExitCause(" + strconv.Itoa(int(c)) + ")"
}

// KillReason says why the master killed a worker.
type KillReason uint8

const (
	// KillProtocol: it wrote what no correct worker writes (ErrProtocol).
	KillProtocol KillReason = iota + 1
	// KillHandshake: a replacement failed its handshake or did not say
	// hello within Options.StartTimeout.
	KillHandshake
	// KillStopped: it was stopped (SIGSTOP, a debugger) and its heartbeat
	// went stale for Options.HeartbeatTimeout.
	KillStopped
	// KillHung: its heartbeat stayed stale while it used
	// Options.HeartbeatTimeout of CPU time.
	KillHung
	// KillClock: its heartbeat word held no time of the master's clock.
	KillClock
	// KillOverdue: it ran a task Options.HeartbeatTimeout past the task's
	// deadline (its kernel ignores its context).
	KillOverdue
	// KillStalled: it held queued tasks and took none of them for
	// Options.HeartbeatTimeout.
	KillStalled
	// KillUnreachable: a remote host whose heartbeat did not arrive for
	// its cluster's HostTimeout (it stopped, or the network between
	// them failed).
	KillUnreachable
)

var killNames = [...]string{KillProtocol: "protocol", KillHandshake: "handshake", KillStopped: "stopped",
	KillHung: "hung", KillClock: "clock", KillOverdue: "overdue", KillStalled: "stalled", KillUnreachable: "unreachable"}

func (r KillReason) String() string {
	if int(r) < len(killNames) && killNames[r] != "" {
		return killNames[r]
	}
	return "KillReason(" + strconv.Itoa(int(r)) + ")"
}

// Kill is why the master killed a worker: the reason, and a detail for
// people ("no heartbeat for 2.1s").
type Kill struct {
	Reason KillReason
	Detail string
}

func (k Kill) String() string {
	if k.Detail == "" {
		return k.Reason.String()
	}
	return k.Reason.String() + ": " + k.Detail
}

// WorkerExit describes the end of one worker process, or of a remote
// host's place in the pool, as OnWorkerExit reports it and CrashError
// carries it. Match on its fields; String is for people.
type WorkerExit struct {
	Worker   int            // the index of the worker slot
	PID      int            // the process that ended
	Cause    ExitCause      // stopped by the pool, crashed, or killed by the master
	Kill     Kill           // why the master killed it, with ExitKilled
	Signal   syscall.Signal // the signal that ended the process; 0 if it exited
	Status   int            // the process's exit status; -1 if a signal ended it
	Graceful bool           // the pool stopped it and it exited with status 0
	// Host names the remote host of the slot (see Pool.AddHost), or the
	// host whose worker crashed for a CrashError from a host; "" for this
	// machine's workers. PID is then the host process's id on its own
	// machine, and a lost host (its connection closed) ends with
	// ExitCrashed and Lost saying how.
	Host string
	Lost string
}

// String says how the worker ended: "exit status 7", "killed by signal
// SIGSEGV", "killed by the master: stopped: no heartbeat for 2.1s".
func (e WorkerExit) String() string {
	if e.Lost != "" {
		return "host lost: " + e.Lost
	}
	if e.Cause == ExitKilled {
		return "killed by the master: " + e.Kill.String()
	}
	if e.Signal != 0 {
		return "killed by signal " + unix.SignalName(e.Signal)
	}
	return "exit status " + strconv.Itoa(e.Status)
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
