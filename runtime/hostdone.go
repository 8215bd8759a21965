package runtime

import (
	"fmt"
	"syscall"

	"github.com/shmrun/shmrun/internal/mono"
	"github.com/shmrun/shmrun/runtime/internal/wire"
)

// Complete takes a Done message the host sent: the result of a task it
// was sent, and the bytes the task wrote in place, which land at the same
// offsets of the master's arena if the result is the one taken. A result
// the pool no longer waits for (the task ended otherwise: a hedge came
// first, it was re-run after the host was declared dead) is dropped, and
// Complete returns nil. Bytes no correct host sends (a checksum that does
// not match, an impossible result, output that does not fit what the task
// writes) get an error wrapping ErrProtocol: the caller should Kill the
// host for them, as the pool kills a worker process.
func (h *Host) Complete(done []byte) error {
	l := h.l
	var m, rm wire.Msg
	if err := wire.Decode(done, &m); err != nil {
		return fmt.Errorf("%w: host %s: %w", ErrProtocol, l.cfg.Name, err)
	}
	if m.Type != wire.MessageDone {
		return fmt.Errorf("%w: host %s sent a %v message", ErrProtocol, l.cfg.Name, m.Type)
	}
	if err := wire.Decode(m.Done.Result, &rm); err != nil || rm.Type != wire.MessageResult {
		return fmt.Errorf("%w: host %s: result: %v %w", ErrProtocol, l.cfg.Name, rm.Type, err)
	}
	r := &rm.Result
	sj, ok := l.answered(r.ID)
	if !ok {
		return nil // not owed: the host was declared dead, or answers a task twice
	}
	now := mono.Now()
	if err := hostTimes(r, m.Done.Held, sj.at, now); err != nil {
		return fmt.Errorf("%w: host %s: %w", ErrProtocol, l.cfg.Name, err)
	}
	out := m.Done.Output
	var want uint64
	for _, o := range sj.writes {
		want += o.b.Bytes()
	}
	if r.Status == wire.StatusOk && uint64(len(out)) != want || r.Status != wire.StatusOk && len(out) != 0 {
		return fmt.Errorf("%w: host %s: task %#x wrote %d bytes in place, not %d", ErrProtocol, l.cfg.Name, r.ID, len(out), want)
	}
	var crash error
	if r.Status == wire.StatusCrashed {
		c, err := wire.ParseCrash(r.Error)
		if err != nil {
			return fmt.Errorf("%w: host %s: %w", ErrProtocol, l.cfg.Name, err)
		}
		crash = l.crashError(r.ID, c)
		r.Status, r.Error = wire.StatusError, nil
	}
	l.p.hedger().observe(now - sj.at)
	l.suspect.Store(false)
	return l.p.completeRemote(l.inc, r, func(t *task) {
		if crash != nil {
			t.err = crash
			return
		}
		for _, o := range sj.writes {
			out = copyBlockBytes(o.mem, o.b, out)
		}
	})
}

// hostTimes moves a host's result onto the master's clock. The host counts
// the kernel's start and end, and how long it held the task, from when it
// received it; the master knows when it sent the task and when the answer
// arrived, and puts the receipt half the network's share of that round
// trip after the sending. The waits on channels are the host's own
// business (its channels are its own) and are dropped.
func hostTimes(r *wire.ResultMsg, held, sent, now int64) error {
	if held < 0 || r.Start < 0 || r.End < r.Start || r.End > held {
		return fmt.Errorf("result %#x: kernel from %d to %d ns of %d held", r.ID, r.Start, r.End, held)
	}
	base := sent + max(0, (now-sent-held)/2)
	if r.End > 0 {
		r.Start, r.End = min(base+r.Start, now), min(base+r.End, now)
	}
	r.Waits = nil
	return nil
}

// completeRemote stores a host's result for a task in flight on its
// incarnation: landed writes what it wrote in place. A result whose task
// is no longer in flight there is dropped.
func (p *Pool) completeRemote(inc *incarnation, r *wire.ResultMsg, landed func(*task)) error {
	p.mu.Lock()
	t := p.tasks.lookup(r.ID)
	if t == nil || t.state != taskInflight || t.inc != inc {
		p.mu.Unlock()
		return nil
	}
	if err := p.completeLocked(inc, t, r, landed); err != nil {
		return fmt.Errorf("%w: host %s: %w", ErrProtocol, inc.w.host, err)
	}
	return nil
}

// crashError is the CrashError of a task that crashed a host's workers.
func (l *hostLive) crashError(id uint64, c wire.Crash) *CrashError {
	lines := make([]string, len(c.Stderr))
	for i, s := range c.Stderr {
		lines[i] = string(s)
	}
	e := &CrashError{Task: id, Attempts: int(c.Attempts), Stderr: lines, Exit: WorkerExit{
		Worker: int(c.Worker), PID: int(c.PID), Cause: ExitCause(c.Cause), Signal: syscall.Signal(c.Signal),
		Status: int(c.Status), Kill: Kill{Reason: KillReason(c.KillReason), Detail: string(c.KillDetail)}, Host: l.cfg.Name}}
	l.p.mu.Lock()
	if t := l.p.tasks.lookup(id); t != nil {
		e.Kernel = t.kernel.name
	}
	l.p.mu.Unlock()
	return e
}
