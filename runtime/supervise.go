package runtime

import (
	"context"
	"fmt"
	"time"

	"github.com/shmrun/shmrun/internal/mono"
)

// mainHint names the likely cause of a worker that never says hello.
const mainHint = "a program must call runtime.Main() first thing in main, and in TestMain"

// maxBadStarts is how many incarnations in a row may die before their
// handshake before the slot is given up: a worker that cannot start is not
// restarted forever.
const maxBadStarts = 5

// ready marks a starting incarnation ready after its handshake: tasks may
// go to it from now on.
func (p *Pool) ready(inc *incarnation) {
	// A compare-and-swap, not a store: onExit may have marked the
	// incarnation dead since its hello was read, and a dead one marked
	// ready again could be handed tasks after its tasks were taken back,
	// tasks that nobody would ever run.
	if !inc.state.CompareAndSwap(int32(incStarting), int32(incReady)) {
		return
	}
	inc.w.badStart.Store(0)
	inc.ready <- nil
	p.mu.Lock()
	p.freedLocked() // submitters waiting for a worker may go
	p.mu.Unlock()
	p.dispatchPending()
}

// onExit runs when an incarnation has ended, for whatever reason; its
// backend reports how (e: the PID, the signal or exit status). It wakes
// everything blocked on the incarnation, takes back the tasks it held,
// fails the one that keeps killing workers, re-dispatches the rest and
// starts a replacement.
func (p *Pool) onExit(inc *incarnation, e WorkerExit) {
	w := inc.w
	prev := incState(inc.state.Swap(int32(incDead)))
	inc.live.shutdown()
	stopped := prev == incStopped
	e.Worker = w.id
	switch k := inc.killed.Load(); {
	case k != nil:
		e.Cause, e.Kill = ExitKilled, *k
	case stopped:
		e.Cause = ExitStopped
		e.Graceful = e.Signal == 0 && e.Status == 0
	default:
		e.Cause = ExitCrashed
	}
	if prev == incStarting {
		w.badStart.Add(1)
		err := fmt.Errorf("%w: worker %d %v before its hello (%s); output: %v",
			ErrHandshake, w.id, e, mainHint, inc.live.output(5))
		if e.Cause == ExitCrashed && e.Signal != 0 {
			sig := &signalledBeforeHello{err: err, settled: make(chan struct{})}
			defer close(sig.settled)
			err = sig
		}
		select {
		case inc.ready <- err:
		default:
		}
	}
	if !e.Graceful {
		p.crashes.Add(1)
		p.log.Warn("shmrun: worker died", "worker", w.id, "pid", e.PID, "exit", e)
		if p.tl != nil {
			p.tl.instant(w.id, "crash", e.String(), mono.Now())
		}
	}
	p.notifyExit(e)
	p.recover(inc, e)
	if !stopped && !e.Graceful && p.restart(w) {
		return
	}
	p.dispatchPending()
}

// recover takes back the tasks in flight on a dead incarnation: a task
// whose fate is already decided (cancelled, overdue, pool stopping)
// finishes; the task that was running when the worker crashed on its own
// is blamed, and fails once it has crashed MaxAttempts workers; the rest
// run again.
func (p *Pool) recover(inc *incarnation, e WorkerExit) {
	w := inc.w
	var running uint64
	if e.Cause == ExitCrashed { // the master's own kills are not the task's fault
		running = inc.live.running()
	}
	stderr := inc.live.output(5)
	p.mu.Lock()
	defer p.mu.Unlock()
	w.inflight = 0
	for _, t := range p.tasks.all {
		if t.state != taskInflight || !t.on(inc) || p.recoverHedgedLocked(inc, t) {
			continue
		}
		crashed := running != 0 && t.id() == running
		switch {
		case t.abandoned || t.err != nil:
			p.finishLocked(t)
		case p.stopping:
			t.err = ErrClosed
			p.finishLocked(t)
		case crashed && t.crashes+1 >= uint32(p.opts.MaxAttempts):
			t.err = &CrashError{Task: t.id(), Kernel: t.kernel.name, Attempts: int(t.crashes + 1), Exit: e, Stderr: stderr}
			p.finishLocked(t)
		default:
			if crashed {
				t.crashes++
			}
			t.attempt++
			t.state, t.inc = taskQueued, nil
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
	if stopping || !p.started.Load() || w.stopped.Load() || w.host != "" || w.badStart.Load() >= maxBadStarts {
		// A host is not restarted: the process that comes back joins anew.
		if w.badStart.Load() >= maxBadStarts {
			p.log.Error("shmrun: worker keeps dying before it starts; giving up on it", "worker", w.id)
			p.failIfNoWorkers()
		}
		return false
	}
	w.backOff(context.Background())
	n := w.restarts.Add(1)
	if p.tl != nil {
		p.tl.instant(w.id, "restart", fmt.Sprintf("incarnation %d", n+1), mono.Now())
	}
	inc, err := w.start()
	if err != nil {
		p.log.Error("shmrun: restart failed", "worker", w.id, "err", err)
		w.badStart.Add(1)
		p.failIfNoWorkers()
		return false
	}
	p.log.Info("shmrun: worker restarted", "worker", w.id, "pid", inc.pid())
	p.wg.Add(1)
	go p.awaitReplacement(inc)
	return true
}

// awaitReplacement kills a replacement incarnation that fails its
// handshake or does not say hello within StartTimeout. It returns as soon
// as the incarnation exits: onExit recovers from that, and an incarnation
// that Close stopped before its hello never sends one (onExit reports only
// deaths of starting workers on ready). Waiting on ready alone held Close,
// which waits for this goroutine, for the whole StartTimeout.
func (p *Pool) awaitReplacement(inc *incarnation) {
	defer p.wg.Done()
	ctx, cancel := context.WithTimeout(context.Background(), p.opts.StartTimeout)
	defer cancel()
	var err error
	select {
	case err = <-inc.ready:
	case <-inc.exited:
	case <-ctx.Done():
		err = fmt.Errorf("%w: worker %d did not say hello: %w", ErrHandshake, inc.w.id, ctx.Err())
	}
	if err != nil {
		p.log.Warn("shmrun: replacement worker not ready", "worker", inc.w.id, "err", err)
		inc.kill(Kill{KillHandshake, err.Error()})
	}
}

// signalledBeforeHello is the handshake error of a worker that a signal
// from outside the pool ended before its hello: the OOM killer, or a
// user's kill. That says nothing of the program (one that forgot
// runtime.Main exits on its own), so Start starts the worker again, once
// settled is closed: onExit has finished with the dead incarnation.
type signalledBeforeHello struct {
	err     error
	settled chan struct{}
}

func (e *signalledBeforeHello) Error() string { return e.err.Error() }
func (e *signalledBeforeHello) Unwrap() error { return e.err }

// backOff waits before a slot's next start, longer the more of its
// incarnations died in a row before they were ready, or until ctx ends;
// it reports whether ctx let it wait out the back-off.
func (w *worker) backOff(ctx context.Context) bool {
	b := w.badStart.Load()
	if b <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(time.Duration(b*b) * 50 * time.Millisecond)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
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
	for _, w := range p.hosts {
		if w.cur.Load().isReady() {
			return
		}
	}
	for _, t := range p.pending {
		t.err = fmt.Errorf("%w: no worker can start", ErrWorkerCrashed)
		p.finishLocked(t)
	}
	p.pending = p.pending[:0]
}
