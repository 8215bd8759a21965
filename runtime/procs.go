package runtime

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"

	"github.com/shmrun/shmrun/arena"
	"github.com/shmrun/shmrun/ring"
	"github.com/shmrun/shmrun/runtime/internal/wire"
)

// procBackend runs each incarnation as a worker process: the program's own
// binary, re-executed, talking to the master over two rings in the arena.
type procBackend struct {
	p     *Pool
	slots []procSlot
	cpus  []int // with PinWorkers, the CPUs the workers are bound to, in turn
}

// procSlot is what a worker slot keeps across its processes: its rings'
// regions and its control block, reset for each incarnation, and what the
// heartbeat watcher remembers of it.
type procSlot struct {
	subR  arena.Region
	compR arena.Region
	ctl   *control
	quiet quiet     // a stale heartbeat under watch; the watcher's only
	idle  idleSince // queued tasks not taken; the watcher's only
}

func newProcBackend(p *Pool) (*procBackend, error) {
	b := &procBackend{p: p, slots: make([]procSlot, p.opts.Workers)}
	if p.opts.PinWorkers {
		var err error
		if b.cpus, err = allowedCPUs(); err != nil {
			return nil, err
		}
	}
	for id := range b.slots {
		s := &b.slots[id]
		var err error
		if s.subR, err = p.arena.Alloc(submitName(id), ring.SPSCSize(p.opts.RingSize), ring.KindSPSC); err != nil {
			return nil, err
		}
		if s.compR, err = p.arena.Alloc(completeName(id), ring.SPSCSize(p.opts.RingSize), ring.KindSPSC); err != nil {
			return nil, err
		}
		ctlR, err := p.arena.Alloc(controlName(id), controlSize, kindControl)
		if err != nil {
			return nil, err
		}
		s.ctl = controlAt(ctlR)
	}
	return b, nil
}

// procLive is one worker process: its rings' ends, its encoder and the
// goroutines that read its results and reap it.
type procLive struct {
	b    *procBackend
	inc  *incarnation
	slot *procSlot
	proc *process

	mu   sync.Mutex // serializes use of prod and enc
	prod *ring.Producer
	enc  *wire.Encoder
	dead bool // the process ended: sends are dropped; guarded by mu

	cons       *ring.Consumer
	reading    atomic.Bool // the reader is handling a message, not waiting for one
	readerDone chan struct{}
}

func (b *procBackend) start(inc *incarnation) error {
	id := inc.w.id
	l := &procLive{b: b, inc: inc, slot: &b.slots[id], enc: wire.NewEncoder(), readerDone: make(chan struct{})}
	if err := l.resetRings(); err != nil {
		return err
	}
	// A dead worker may have written over the arena header, which would
	// stop this one from attaching: the pool would run short for good.
	fixed, err := b.p.arena.Repair()
	if err != nil {
		return err
	}
	if fixed {
		b.p.log.Warn("shmrun: repaired the arena header before starting a worker", "worker", id)
	}
	if l.proc, err = b.spawn(id); err != nil {
		return err
	}
	inc.live = l
	inc.procID.Store(int64(l.proc.pid))
	inc.publish()
	b.p.wg.Add(2)
	go l.read()
	go l.reap()
	return nil
}

func (l *procLive) resetRings() error {
	// The master's goroutines share its Ps: a reader asleep on a ring must
	// not keep the map it just fed a result to off the CPU.
	o := &ring.Options{Spin: l.b.p.opts.Spin, HandOff: true}
	l.slot.ctl.reset()
	l.slot.ctl.idleBeat.Store(int64(idleBeat(l.b.p.opts.HeartbeatTimeout)))
	if err := ring.InitSPSC(l.slot.subR); err != nil {
		return err
	}
	if err := ring.InitSPSC(l.slot.compR); err != nil {
		return err
	}
	var err error
	if l.prod, err = ring.NewProducer(l.slot.subR, o); err != nil {
		return err
	}
	l.cons, err = ring.NewConsumer(l.slot.compR, o)
	return err
}

// reap waits for the process to exit and hands its end to the pool.
func (l *procLive) reap() {
	defer l.b.p.wg.Done()
	l.proc.wait()
	close(l.inc.exited)
	l.b.p.onExit(l.inc, l.proc.exit())
}

// shutdown closes the rings, waits for the reader to read what the
// process committed before it died, and fences off sends.
func (l *procLive) shutdown() {
	l.cons.Close()
	l.prod.Close()
	<-l.readerDone
	l.mu.Lock() // a send in progress has returned: the rings are closed
	l.dead = true
	l.mu.Unlock()
}

// read consumes the completion ring until it closes. Anything a correct
// worker would not write gets the worker killed; the master itself never
// trusts, and never panics on, what it reads.
func (l *procLive) read() {
	defer l.b.p.wg.Done()
	defer close(l.readerDone)
	var m wire.Msg
	for {
		f, err := l.cons.Next(context.Background())
		if errors.Is(err, ring.ErrClosed) {
			if st := l.inc.loadState(); st == incReady || st == incStarting {
				// Only the master closes this ring, and only after the worker
				// died or was stopped: the worker wrote the flag itself.
				l.inc.kill(Kill{KillProtocol, "completion ring closed by the worker"})
			}
			return
		}
		l.reading.Store(true)
		if err == nil {
			err = wire.Decode(f, &m)
		}
		if err == nil {
			err = l.handle(&m)
		}
		l.reading.Store(false)
		if err != nil {
			reason := KillProtocol
			if errors.Is(err, ErrHandshake) {
				reason = KillHandshake
			}
			l.inc.kill(Kill{reason, err.Error()})
			return
		}
	}
}

func (l *procLive) handle(m *wire.Msg) error {
	inc, p := l.inc, l.b.p
	st := inc.loadState()
	switch {
	case m.Type == wire.MessageHello && st == incStarting:
		if err := l.checkHello(&m.Hello); err != nil {
			inc.ready <- err
			return err
		}
		p.ready(inc)
		return nil
	case m.Type == wire.MessageResult && (st == incReady || st == incDead):
		// A dead worker's ring is read to its end before its tasks are
		// taken back (onExit waits for this reader): a result it
		// committed before it died is whole, and counts.
		return p.complete(inc, &m.Result)
	case m.Type == wire.MessageHello && (st == incStopped || st == incDead):
		// Close stopped it while it started (it then finds its task ring
		// closed and exits), or it died before its hello was read: no
		// protocol violation. Ignoring a hello changes nothing, so a
		// worker cannot abuse it.
		return nil
	}
	return fmt.Errorf("%w: unexpected %v message", ErrProtocol, m.Type)
}

func (l *procLive) checkHello(h *wire.HelloMsg) error {
	p, id, pid := l.b.p, l.inc.w.id, l.proc.pid
	switch {
	case h.Protocol != wire.Protocol:
		return fmt.Errorf("%w: worker %d speaks protocol %d, master %d", ErrHandshake, id, h.Protocol, wire.Protocol)
	case h.Build != p.build:
		return fmt.Errorf("%w: worker %d is build %x, master %x", ErrHandshake, id, h.Build, p.build)
	case h.Kernels != p.khash:
		return fmt.Errorf("%w: worker %d registered other kernels than the master (register them in package variables, before Main)", ErrHandshake, id)
	case int(h.Worker) != id || int(h.PID) != pid:
		return fmt.Errorf("%w: hello from worker %d pid %d, expected worker %d pid %d", ErrHandshake, h.Worker, h.PID, id, pid)
	}
	return nil
}

func (l *procLive) send(t *task) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.dead {
		return
	}
	frame := l.enc.Task(wire.TaskMsg{ID: t.id(), Kernel: t.kernel.id, Attempt: t.attempt,
		Deadline: t.deadline, Items: t.items, Args: t.args, Stride: t.stride})
	raceRelease(unsafe.Pointer(t)) // the reader that completes t comes after, via the worker
	err := l.prod.Send(context.Background(), frame)
	st := l.inc.loadState()
	switch {
	case errors.Is(err, ring.ErrCorrupt),
		errors.Is(err, ring.ErrClosed) && (st == incReady || st == incStarting):
		// The worker scribbled on the ring's shared words: a closed flag the
		// master never set, or an impossible read position.
		l.inc.kill(Kill{KillProtocol, "task ring: " + err.Error()})
	}
}

// cancel lists the task as cancelled in the control block and bumps the
// counter the worker's watcher sleeps on; the watcher cancels the kernel's
// context if the task is running, and a queued task is skipped when its
// turn comes.
func (l *procLive) cancel(id uint64) { l.slot.ctl.cancel(id) }

// stop closes the task ring, after which the worker runs what it holds and
// exits; with now, it is killed at once.
func (l *procLive) stop(now bool) {
	l.prod.Close()
	if now {
		l.kill()
	}
}

func (l *procLive) kill() { l.proc.cmd.Process.Kill() }

func (l *procLive) running() uint64 { return l.slot.ctl.running.Load() }

func (l *procLive) output(n int) []string { return l.proc.out.last(n) }

func (l *procLive) waiting() (string, int64) { return l.slot.ctl.waiting() }

// exit describes how the process ended, once it was reaped.
func (pr *process) exit() WorkerExit {
	e := WorkerExit{PID: pr.pid, Status: -1}
	if ws, ok := pr.state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		e.Signal = ws.Signal()
	} else {
		e.Status = pr.state.ExitCode()
	}
	return e
}
