package runtime

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/shmrun/shmrun/arena"
	"github.com/shmrun/shmrun/ring"
	"github.com/shmrun/shmrun/runtime/internal/wire"
)

type workerState int32

const (
	workerStarting workerState = iota
	workerReady
	workerDead    // exited; a replacement may follow
	workerStopped // shut down for good
)

// worker is the master's side of one worker slot. Incarnations (processes)
// come and go; the slot, its regions and its statistics stay.
type worker struct {
	p     *Pool
	id    int
	ctl   *control
	subR  arena.Region
	compR arena.Region

	mu   sync.Mutex // serializes use of prod and enc
	prod *ring.Producer
	cons *ring.Consumer
	enc  *wire.Encoder

	state      atomic.Int32
	gen        atomic.Uint64 // incarnation; a send for an older one is dropped
	ready      chan error    // outcome of the current incarnation's handshake
	readerDone chan struct{}
	life       sync.Mutex // orders starts and stops of incarnations
	procPtr    atomic.Pointer[process]
	killReason atomic.Pointer[string] // set when the master kills it
	inbox      chan *task             // goroutine mode
	localCtx   *taskCtx               // goroutine mode; guarded by Pool.mu

	quiet    quiet       // a stale heartbeat under watch; watchHeartbeats only
	idle     idleSince   // queued tasks not taken; watchHeartbeats only
	reading  atomic.Bool // the reader is handling a message, not waiting for one
	inflight int         // tasks sent and not answered; guarded by Pool.mu
	restarts atomic.Int64
	badStart atomic.Int64 // consecutive incarnations that died before hello
	pid      atomic.Int64
	tasks    atomic.Uint64
	busy     atomic.Int64
}

func (p *Pool) newWorker(id int) (*worker, error) {
	w := &worker{p: p, id: id, enc: wire.NewEncoder()}
	if p.opts.Mode == Goroutines {
		return w, nil
	}
	var err error
	if w.subR, err = p.arena.Alloc(submitName(id), ring.SPSCSize(p.opts.RingSize), ring.KindSPSC); err != nil {
		return nil, err
	}
	if w.compR, err = p.arena.Alloc(completeName(id), ring.SPSCSize(p.opts.RingSize), ring.KindSPSC); err != nil {
		return nil, err
	}
	ctlR, err := p.arena.Alloc(controlName(id), controlSize, kindControl)
	if err != nil {
		return nil, err
	}
	w.ctl = controlAt(ctlR)
	return w, nil
}

// start launches a new incarnation: fresh rings, a fresh process, and the
// goroutines that read its results and reap it.
func (w *worker) start() error {
	w.ready = make(chan error, 1)
	w.state.Store(int32(workerStarting))
	w.killReason.Store(nil)
	if w.p.opts.Mode == Goroutines {
		w.inbox = make(chan *task, w.p.opts.QueueDepth)
		w.state.Store(int32(workerReady))
		w.ready <- nil
		w.p.wg.Add(1)
		go w.runLocal()
		return nil
	}
	w.mu.Lock()
	err := w.resetRings()
	w.mu.Unlock()
	if err != nil {
		return err
	}
	// A dead worker may have written over the arena header, which would
	// stop this one from attaching: the pool would run short for good.
	fixed, err := w.p.arena.Repair()
	if err != nil {
		return err
	}
	if fixed {
		w.p.log.Warn("shmrun: repaired the arena header before starting a worker", "worker", w.id)
	}
	proc, err := w.p.spawn(w.id)
	if err != nil {
		return err
	}
	w.procPtr.Store(proc)
	w.pid.Store(int64(proc.pid))
	w.readerDone = make(chan struct{})
	w.p.wg.Add(2)
	go w.read(proc)
	go w.reap(proc)
	return nil
}

func (w *worker) resetRings() error {
	// The master's goroutines share its Ps: a reader asleep on a ring must
	// not keep the map it just fed a result to off the CPU.
	o := &ring.Options{Spin: w.p.opts.Spin, HandOff: true}
	w.ctl.reset()
	if err := ring.InitSPSC(w.subR); err != nil {
		return err
	}
	if err := ring.InitSPSC(w.compR); err != nil {
		return err
	}
	var err error
	if w.prod, err = ring.NewProducer(w.subR, o); err != nil {
		return err
	}
	w.cons, err = ring.NewConsumer(w.compR, o)
	return err
}

// awaitOn waits for the handshake outcome on one incarnation's channel.
func (w *worker) awaitOn(ctx context.Context, ready <-chan error) error {
	select {
	case err := <-ready:
		return err
	case <-ctx.Done():
		return fmt.Errorf("%w: worker %d did not say hello: %w", ErrHandshake, w.id, ctx.Err())
	}
}

// read consumes the worker's completion ring until it closes. Anything a
// correct worker would not write gets the worker killed; the master itself
// never trusts, and never panics on, what it reads.
func (w *worker) read(proc *process) {
	defer w.p.wg.Done()
	defer close(w.readerDone)
	var m wire.Msg
	for {
		f, err := w.cons.Next(context.Background())
		if errors.Is(err, ring.ErrClosed) {
			if st := workerState(w.state.Load()); st == workerReady || st == workerStarting {
				// Only the master closes this ring, and only after the worker
				// died or was stopped: the worker wrote the flag itself.
				w.kill(proc, fmt.Sprintf("%v: completion ring closed by the worker", ErrProtocol))
			}
			return
		}
		w.reading.Store(true)
		if err == nil {
			err = wire.Decode(f, &m)
		}
		if err == nil {
			err = w.handle(&m, proc)
		}
		w.reading.Store(false)
		if err != nil {
			w.kill(proc, fmt.Sprintf("%v: %v", ErrProtocol, err))
			return
		}
	}
}

func (w *worker) handle(m *wire.Msg, proc *process) error {
	st := workerState(w.state.Load())
	switch {
	case m.Type == wire.MessageHello && st == workerStarting:
		if err := w.checkHello(&m.Hello, proc); err != nil {
			w.ready <- err
			return err
		}
		// A compare-and-swap, not a store: onExit may have marked the
		// worker dead since st was read, and a dead worker marked ready
		// again could be handed tasks after its tasks were taken back,
		// tasks that nobody would ever run.
		if !w.state.CompareAndSwap(int32(workerStarting), int32(workerReady)) {
			return nil
		}
		w.badStart.Store(0)
		w.ready <- nil
		w.p.mu.Lock()
		w.p.freedLocked() // submitters waiting for a worker may go
		w.p.mu.Unlock()
		w.p.dispatchPending()
		return nil
	case m.Type == wire.MessageResult && (st == workerReady || st == workerDead):
		// A dead worker's ring is read to its end before its tasks are
		// taken back (onExit waits for this reader): a result it
		// committed before it died is whole, and counts.
		return w.p.complete(w, &m.Result)
	case m.Type == wire.MessageHello && (st == workerStopped || st == workerDead):
		// Close stopped it while it started (it then finds its task ring
		// closed and exits), or it died before its hello was read: no
		// protocol violation. Ignoring a hello changes nothing, so a
		// worker cannot abuse it.
		return nil
	}
	return fmt.Errorf("unexpected %v message", m.Type)
}

func (w *worker) checkHello(h *wire.HelloMsg, proc *process) error {
	switch {
	case h.Protocol != wire.Protocol:
		return fmt.Errorf("%w: worker %d speaks protocol %d, master %d", ErrHandshake, w.id, h.Protocol, wire.Protocol)
	case h.Build != w.p.build:
		return fmt.Errorf("%w: worker %d is build %x, master %x", ErrHandshake, w.id, h.Build, w.p.build)
	case h.Kernels != w.p.khash:
		return fmt.Errorf("%w: worker %d registered other kernels than the master (register them in package variables, before Main)", ErrHandshake, w.id)
	case int(h.Worker) != w.id || int(h.PID) != proc.pid:
		return fmt.Errorf("%w: hello from worker %d pid %d, expected worker %d pid %d", ErrHandshake, h.Worker, h.PID, w.id, proc.pid)
	}
	return nil
}

// send writes a task to incarnation gen of the worker. If that incarnation
// died meanwhile, the task stays assigned to it and the reaper re-dispatches
// it: send then writes nothing, so no later incarnation sees a task it was
// never given.
func (w *worker) send(t *task, gen uint64) {
	if w.p.opts.Mode == Goroutines {
		w.inbox <- t
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.gen.Load() != gen {
		return
	}
	frame := w.enc.Task(wire.TaskMsg{ID: t.id(), Kernel: t.kernel.id, Attempt: t.attempt,
		Deadline: t.deadline, Items: t.items, Args: t.args})
	raceRelease(unsafe.Pointer(t)) // the reader that completes t comes after, via the worker
	err := w.prod.Send(context.Background(), frame)
	st := workerState(w.state.Load())
	switch {
	case errors.Is(err, ring.ErrCorrupt),
		errors.Is(err, ring.ErrClosed) && (st == workerReady || st == workerStarting):
		// The worker scribbled on the ring's shared words: a closed flag the
		// master never set, or an impossible read position.
		w.kill(w.proc(), fmt.Sprintf("%v: task ring: %v", ErrProtocol, err))
	}
}

// cancel asks the worker to cancel a task: the watcher in the worker wakes
// on the counter and cancels the kernel's context if the task is running;
// a queued task is skipped when its turn comes.
func (w *worker) cancel(id uint64) {
	if w.p.opts.Mode == Goroutines {
		if w.localCtx != nil {
			w.localCtx.cancel(id, context.Canceled)
		}
		return
	}
	seq := w.ctl.cancelSeq.Load()
	w.ctl.cancelled[seq%cancelSlots].Store(id)
	w.ctl.cancelSeq.Add(1)
	wakeAll(&w.ctl.cancelSeq)
}

// kill makes the master kill an incarnation, recording why.
func (w *worker) kill(proc *process, reason string) {
	if proc == nil {
		return
	}
	w.killReason.CompareAndSwap(nil, &reason)
	proc.cmd.Process.Kill()
}

// proc returns the current incarnation's process, or nil.
func (w *worker) proc() *process { return w.procPtr.Load() }

// stop ends the worker: gracefully by closing its task ring (it drains and
// exits), or at once with SIGKILL.
func (w *worker) stop(now bool) {
	w.life.Lock()
	defer w.life.Unlock()
	w.state.Store(int32(workerStopped))
	if w.p.opts.Mode == Goroutines {
		if w.inbox != nil {
			close(w.inbox)
		}
		return
	}
	if w.prod != nil {
		w.prod.Close()
	}
	if pr := w.proc(); now && pr != nil {
		pr.cmd.Process.Kill()
	}
}
