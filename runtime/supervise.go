package runtime

import (
	"context"
	"fmt"
	"time"
)

// maxBadStarts is how many incarnations in a row may die before their
// handshake before the slot is given up: a worker that cannot start is not
// restarted forever.
const maxBadStarts = 5

// reap waits for an incarnation to exit and recovers from its death.
func (w *worker) reap(proc *process) {
	defer w.p.wg.Done()
	proc.wait()
	w.p.onExit(w, proc)
}

// onExit runs when a worker process is gone, for whatever reason. It wakes
// everything blocked on the worker's rings, takes back the tasks it held,
// fails the one that keeps killing workers, re-dispatches the rest and
// starts a replacement.
func (p *Pool) onExit(w *worker, proc *process) {
	prev := workerState(w.state.Swap(int32(workerDead)))
	stopped := prev == workerStopped
	w.cons.Close()
	w.prod.Close()
	<-w.readerDone
	w.mu.Lock() // a send in progress has returned: the rings are closed
	w.gen.Add(1)
	w.mu.Unlock()
	if prev == workerStarting {
		w.badStart.Add(1)
		select {
		case w.ready <- fmt.Errorf("%w: worker %d %s before its hello; output: %v", ErrHandshake, w.id, proc.describe(), proc.out.last(5)):
		default:
		}
	}
	reason := proc.describe()
	if r := w.killReason.Load(); r != nil {
		reason = "killed by the master: " + *r
	}
	running := w.ctl.running.Load()
	graceful := stopped && proc.state != nil && proc.state.Success()
	if !graceful {
		p.crashes.Add(1)
		p.log.Warn("shmrun: worker died", "worker", w.id, "pid", proc.pid, "reason", reason)
		if p.tl != nil {
			p.tl.instant(w.id, "crash", reason, monoNow())
		}
	}
	p.notifyExit(WorkerExit{Worker: w.id, PID: proc.pid, Reason: reason, Graceful: graceful})
	p.recover(w, proc, running, reason)
	if !stopped && !graceful && p.restart(w) {
		return
	}
	p.dispatchPending()
}

// recover takes back the tasks in flight on a dead worker: a task whose
// fate is already decided (cancelled, overdue, pool stopping) finishes; the
// task that was running when the worker crashed on its own is blamed, and
// fails once it has crashed MaxAttempts workers; the rest run again.
func (p *Pool) recover(w *worker, proc *process, running uint64, reason string) {
	blame := w.killReason.Load() == nil // the master's own kills are not the task's fault
	stderr := proc.out.last(5)
	p.mu.Lock()
	defer p.mu.Unlock()
	w.inflight = 0
	for _, t := range p.tasks.all {
		if t.state != taskInflight || t.worker != w.id {
			continue
		}
		crashed := blame && t.id() == running
		switch {
		case t.abandoned || t.err != nil:
			p.finishLocked(t)
		case p.stopping:
			t.err = ErrClosed
			p.finishLocked(t)
		case crashed && t.crashes+1 >= uint32(p.opts.MaxAttempts):
			t.err = &CrashError{Task: t.id(), Kernel: t.kernel.name, Attempts: int(t.crashes + 1),
				Worker: w.id, PID: proc.pid, Reason: reason, Stderr: stderr}
			p.finishLocked(t)
		default:
			if crashed {
				t.crashes++
			}
			t.attempt++
			t.state, t.worker = taskQueued, -1
			p.pending = append(p.pending, t)
			p.redone.Add(1)
		}
	}
	p.freedLocked()
}

// restart starts a replacement incarnation, backing off when incarnations
// keep dying before they are ready. It reports whether it started one.
func (p *Pool) restart(w *worker) bool {
	w.life.Lock()
	defer w.life.Unlock()
	p.mu.Lock()
	stopping := p.stopping
	p.mu.Unlock()
	if stopping || !p.started.Load() || workerState(w.state.Load()) == workerStopped || w.badStart.Load() >= maxBadStarts {
		if w.badStart.Load() >= maxBadStarts {
			p.log.Error("shmrun: worker keeps dying before it starts; giving up on it", "worker", w.id)
			p.failIfNoWorkers()
		}
		return false
	}
	if b := w.badStart.Load(); b > 0 {
		time.Sleep(time.Duration(b*b) * 50 * time.Millisecond)
	}
	n := w.restarts.Add(1)
	if p.tl != nil {
		p.tl.instant(w.id, "restart", fmt.Sprintf("incarnation %d", n+1), monoNow())
	}
	if err := w.start(); err != nil {
		p.log.Error("shmrun: restart failed", "worker", w.id, "err", err)
		w.badStart.Add(1)
		p.failIfNoWorkers()
		return false
	}
	p.log.Info("shmrun: worker restarted", "worker", w.id, "pid", w.pid.Load())
	p.wg.Add(1)
	go w.awaitReplacement(w.proc(), w.ready)
	return true
}

// awaitReplacement kills a replacement incarnation that fails its
// handshake or does not say hello within StartTimeout. It returns as soon
// as the incarnation exits: onExit recovers from that, and an incarnation
// that Close stopped before its hello never sends one (onExit reports only
// deaths of starting workers on ready). Waiting on ready alone held Close,
// which waits for this goroutine, for the whole StartTimeout.
func (w *worker) awaitReplacement(proc *process, ready <-chan error) {
	defer w.p.wg.Done()
	ctx, cancel := context.WithTimeout(context.Background(), w.p.opts.StartTimeout)
	defer cancel()
	var err error
	select {
	case err = <-ready:
	case <-proc.exited:
	case <-ctx.Done():
		err = fmt.Errorf("%w: worker %d did not say hello: %w", ErrHandshake, w.id, ctx.Err())
	}
	if err != nil {
		w.p.log.Warn("shmrun: replacement worker not ready", "worker", w.id, "err", err)
		w.kill(proc, err.Error())
	}
}

// failIfNoWorkers fails every queued task when no worker can take it.
func (p *Pool) failIfNoWorkers() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, w := range p.workers {
		if w.badStart.Load() < maxBadStarts {
			return
		}
	}
	for _, t := range p.pending {
		t.err = fmt.Errorf("%w: no worker can start", ErrWorkerCrashed)
		p.finishLocked(t)
	}
	p.pending = p.pending[:0]
}

// watchHeartbeats kills workers that stopped refreshing their heartbeat
// (a SIGSTOP, a frozen machine), workers stuck in a task far past its
// deadline and workers that stopped taking their tasks; their tasks are
// then recovered like any crash.
func (p *Pool) watchHeartbeats() {
	defer p.wg.Done()
	tick := time.NewTicker(max(p.opts.HeartbeatTimeout/4, 5*time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-p.stopWatch:
			return
		case <-tick.C:
		}
		for _, w := range p.workers {
			if workerState(w.state.Load()) != workerReady {
				continue
			}
			// The worker writes its heartbeat word: a time ahead of the
			// master's clock (or below zero) is garbage, and a worker that
			// wrote it could stop unnoticed. The clock is read after the
			// word, so that a true heartbeat is never ahead of it, however
			// long the master waits for a CPU in between.
			hb := w.ctl.heartbeat.Load()
			now := monoNow()
			if hb <= 0 || hb-now > int64(p.opts.HeartbeatTimeout) {
				w.kill(w.proc(), fmt.Sprintf("heartbeat word %d is no time of the master's clock (%d)", hb, now))
			} else if why := w.silent(time.Duration(now - hb)); why != "" {
				w.kill(w.proc(), why)
			} else if t := p.overdue(w, now); t != "" {
				w.kill(w.proc(), t)
			} else if why := p.stalled(w, now, hb); why != "" {
				w.kill(w.proc(), why)
			}
		}
	}
}

// overdue describes the task w is running if it is past its deadline by
// more than the heartbeat timeout, which means its kernel ignores its
// context, and marks the task to fail with context.DeadlineExceeded when
// the worker is killed for it.
func (p *Pool) overdue(w *worker, now int64) string {
	running := w.ctl.running.Load()
	if running == 0 {
		return ""
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	t := p.tasks.lookup(running)
	if t == nil || t.state != taskInflight || t.worker != w.id || t.deadline == 0 ||
		now-t.deadline < int64(p.opts.HeartbeatTimeout) {
		return ""
	}
	t.err = context.DeadlineExceeded
	return fmt.Sprintf("task %#x (kernel %s) ran %v past its deadline", running, t.kernel.name,
		time.Duration(now-t.deadline).Round(time.Millisecond))
}
