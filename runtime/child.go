package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/shmrun/shmrun/arena"
	"github.com/shmrun/shmrun/internal/futex"
	"github.com/shmrun/shmrun/internal/mono"
	"github.com/shmrun/shmrun/ring"
	"github.com/shmrun/shmrun/runtime/internal/wire"
)

// Main turns this process into a worker if a shmrun master started it as
// one; then it runs tasks until the master closes the pool or dies, and
// exits without returning. A process whose environment sets EnvJoin
// becomes a remote host instead (see SetJoin), and does not return
// either. In any other process it returns at once. Call it
// first thing in main (and in TestMain), after every kernel is registered
// and before flags are parsed or anything else starts.
func Main() {
	spec, ok := os.LookupEnv(envWorker)
	if !ok {
		joinMain() // a remote host, if EnvJoin says so
		return
	}
	os.Exit(runWorker(spec))
}

// heartbeatEvery is how often a worker refreshes its heartbeat word while
// it has work; an idle one does so every idleBeat (control.idleBeat, which
// the master sets), so that a thousand idle workers on two cores do not
// keep them busy waking up.
const heartbeatEvery = 20 * time.Millisecond

type workerLoop struct {
	id    int
	sub   *ring.Consumer
	comp  *ring.Producer
	ctl   *control
	run   *runner
	scope *Scope
	enc   *wire.Encoder
	chaos *chaos
	// quiet is when the oldest result that the master was not woken for
	// was sent (CLOCK_MONOTONIC), 0 when there is none; see sendResult.
	quiet atomic.Int64
	// idle is set while the loop waits for a task; napping while the
	// watcher sleeps idleBeat, which a task's arrival cuts short.
	idle, napping atomic.Bool
	idleBeat      time.Duration
}

func runWorker(spec string) int {
	id, err := strconv.Atoi(spec)
	if err != nil {
		fmt.Fprintf(os.Stderr, "shmrun worker: bad %s=%q\n", envWorker, spec)
		return exitSetup
	}
	nameProcess()
	if cpu, ok := os.LookupEnv(envCPU); ok {
		// First, while the process has few threads: those started later
		// inherit the binding.
		n, err := strconv.Atoi(cpu)
		if err == nil {
			err = pinProcess(n)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "shmrun worker %d: runs unpinned: %s=%q: %v\n", id, envCPU, cpu, err)
		}
	}
	// Non-blocking, the pipe goes to the netpoller: the read parks the
	// goroutine instead of holding a thread and, until the runtime takes it
	// back, the P that the kernels need.
	unix.SetNonblock(fdLive, true)
	go watchMaster(os.NewFile(fdLive, "shmrun-live"))
	w, err := setupWorker(id)
	if err != nil {
		fmt.Fprintf(os.Stderr, "shmrun worker %d: %v\n", id, err)
		return exitSetup
	}
	go w.watch()
	err = w.loop()
	w.scope.close()
	if err != nil {
		fmt.Fprintf(os.Stderr, "shmrun worker %d: %v\n", id, err)
		return exitProtocol
	}
	return exitOK
}

// watchMaster exits the process when the master's end of the liveness pipe
// closes, which happens when the master exits for any reason, SIGKILL
// included. Pdeathsig covers the same case faster but fires when the
// master's starting thread exits, so the two are combined.
func watchMaster(f *os.File) {
	io.Copy(io.Discard, f)
	os.Exit(exitOrphaned)
}

func setupWorker(id int) (*workerLoop, error) {
	_, khash := freezeKernels()
	a, err := arena.Attach(os.NewFile(fdArena, "shmrun-arena"))
	if err != nil {
		return nil, err
	}
	spin, _ := strconv.ParseInt(os.Getenv(envSpin), 10, 64)
	o := &ring.Options{Spin: time.Duration(spin)}
	var regions [3]arena.Region
	for i, name := range []string{submitName(id), completeName(id), controlName(id)} {
		if regions[i], err = a.Region(name); err != nil {
			return nil, err
		}
	}
	w := &workerLoop{id: id, enc: wire.NewEncoder()}
	if w.sub, err = ring.NewConsumer(regions[0], o); err != nil {
		return nil, err
	}
	if w.comp, err = ring.NewProducer(regions[1], o); err != nil {
		return nil, err
	}
	if regions[2].Len() < controlSize {
		return nil, fmt.Errorf("control region of %d bytes", regions[2].Len())
	}
	w.ctl = controlAt(regions[2])
	w.ctl.heartbeat.Store(mono.Now())
	w.idleBeat = min(max(time.Duration(w.ctl.idleBeat.Load()), heartbeatEvery), maxIdleBeat)
	w.scope = newScope(a, id)
	w.run = newRunner(w.ctl, Env{scope: w.scope, worker: id})
	w.chaos = newChaos(id, regions)
	hello := w.enc.Hello(wire.HelloMsg{Worker: uint32(id), PID: int32(os.Getpid()),
		Protocol: wire.Protocol, Build: buildHash(), Kernels: khash})
	return w, w.comp.Send(context.Background(), hello)
}

// watch refreshes the heartbeat, cancels the running task when the
// master lists it as cancelled, and wakes the master for results it was
// not woken for once they are quietFor old (the task after them is
// running long). It sleeps on the cancel counter, so a cancellation wakes
// it at once; while results are quiet it sleeps quietFor at a time.
func (w *workerLoop) watch() {
	var seen uint32
	for {
		now := mono.Now()
		w.ctl.heartbeat.Store(now)
		if seq := w.ctl.cancelSeq.Load(); seq != seen {
			seen = seq
			if t := w.ctl.running.Load(); t != 0 && w.ctl.isCancelled(t) {
				w.run.ctx.cancel(t, context.Canceled)
			}
		}
		sleep := heartbeatEvery
		if q := w.quiet.Load(); q != 0 {
			if time.Duration(now-q) >= quietFor {
				w.comp.Wake()
			} else {
				sleep = quietFor
			}
		} else if w.nap() {
			sleep = w.idleBeat
		}
		futex.WaitLong(&w.ctl.cancelSeq, seen, sleep)
		w.napping.Store(false)
	}
}

// nap reports whether the watcher may sleep idleBeat: the loop waits for
// a task. It announces the nap before it looks, so that the loop, taking a
// task, either sees the nap and cuts it short (wakeWatcher) or the watcher
// sees it busy.
func (w *workerLoop) nap() bool {
	w.napping.Store(true)
	if !w.idle.Load() {
		w.napping.Store(false)
		return false
	}
	return true
}

// wakeWatcher ends the watcher's nap: the worker has work again, and quiet
// results need the watcher's short sleeps. The counter changes, so that a
// watcher about to sleep does not; a counter the master's cancellations
// also move only makes the watcher look at the cancelled list once more.
func (w *workerLoop) wakeWatcher() {
	if w.napping.Load() {
		w.ctl.cancelSeq.Add(1)
		wakeAll(&w.ctl.cancelSeq)
	}
}

// maxIdleBeat bounds the idle worker's heartbeat period, whatever its
// control block says.
const maxIdleBeat = 250 * time.Millisecond

// quietFor is how long a worker that has work queued may leave the master
// unwoken for the results it sends (see sendResult).
const quietFor = 2 * time.Millisecond

func (w *workerLoop) loop() error {
	ctx := context.Background()
	var m wire.Msg
	for {
		f, ok, err := w.sub.TryNext()
		if err == nil && !ok {
			// Nothing queued: the master hears of every result before
			// this worker waits.
			if w.quiet.Load() != 0 {
				w.quiet.Store(0)
				w.comp.Wake()
			}
			w.idle.Store(true)
			f, err = w.sub.Next(ctx)
			w.idle.Store(false)
			w.wakeWatcher()
		}
		if errors.Is(err, ring.ErrClosed) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := wire.Decode(f, &m); err != nil {
			return err
		}
		if m.Type != wire.MessageTask {
			return fmt.Errorf("%w: message %v on the task ring", wire.ErrMalformed, m.Type)
		}
		res := w.run.run(&m.Task)
		if err := w.sendResult(ctx, w.enc.Result(res)); err != nil {
			return err
		}
		if w.chaos != nil {
			w.chaos.strike(w.comp, w.enc, f)
		}
	}
}

// quietMargin is the time the master is given, after it hears of a
// quiet result, to send more work before this worker runs dry: tens of
// microseconds when it has a core, more when it waits for one. quietScan
// bounds how many queued tasks are counted.
const (
	quietMargin = time.Millisecond
	quietScan   = 16
)

// sendResult sends a result. Waking the master for it costs a system call
// here and, on a machine whose cores are all busy, a preempted worker
// there, for a result the master does not need at once while this worker
// has enough work queued (workQueued). So such results go out without a
// wake-up until the oldest of them is quietFor old: the next result past
// that wakes the master for all of them, and so does watch, within about
// heartbeatEvery, when the task after them runs long. A render's workers
// (several tiles queued each) and a map's (its default tasks in flight
// leave two queued behind the running one) so wake the master for a part
// of their results; short tasks and shallow queues wake it every time
// (BENCHMARKS.md has the master's CPU per task and the wake-ups saved).
func (w *workerLoop) sendResult(ctx context.Context, res []byte) error {
	q := w.quiet.Load()
	if !w.workQueued() { // the common case reads no clock and stores nothing
		if q != 0 {
			w.quiet.Store(0)
		}
		return w.comp.Send(ctx, res)
	}
	now := mono.Now()
	switch {
	case q == 0:
		w.quiet.Store(now)
	case time.Duration(now-q) >= quietFor:
		w.quiet.Store(0)
		return w.comp.Send(ctx, res)
	}
	return w.sendQuiet(ctx, res)
}

// sendQuiet publishes res as one frame without waking the master: it
// learns of the frame at the next wake-up (a loud result, the loop going
// idle, or watch).
func (w *workerLoop) sendQuiet(ctx context.Context, res []byte) error {
	buf, err := w.comp.Reserve(ctx, len(res))
	if err != nil {
		return err
	}
	w.comp.Commit(copy(buf, res))
	w.comp.Publish()
	return nil
}

// workQueued reports whether the tasks queued behind the one just
// finished, at the pace of that one, outlast the longest the master may go
// without hearing of a quiet result (quietFor, then the task that runs
// past it) by quietMargin. The master may be waiting for this result to
// send more work (a map whose budget of tasks in flight is spent): a
// quiet result must never let this worker run dry before it could.
func (w *workerLoop) workQueued() bool {
	need := quietNeed(w.run.lastRun)
	return need > 0 && w.sub.Queued(need) >= need
}

// quietNeed is how many tasks, each lasting lastRun, must be queued behind
// the one just finished for its result to go out quietly: enough that
// need*lastRun >= quietFor + lastRun + quietMargin. It is 0 (never quiet)
// when that takes more than quietScan tasks or lastRun is unknown.
func quietNeed(lastRun time.Duration) int {
	if lastRun <= 0 {
		return 0
	}
	need := int((quietFor+quietMargin+lastRun-1)/lastRun) + 1
	if need > quietScan {
		return 0
	}
	return need
}
