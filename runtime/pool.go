package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	goruntime "runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shmrun/shmrun/arena"
	"github.com/shmrun/shmrun/internal/mono"
	"github.com/shmrun/shmrun/ring"
)

// Mode selects what a pool's workers are.
type Mode int

const (
	// Processes runs each worker in its own process (the default).
	Processes Mode = iota
	// Goroutines runs each worker as a goroutine of the master, through the
	// same kernels, tasks and futures: the in-process baseline, with no
	// fault isolation.
	Goroutines
)

func (m Mode) String() string {
	if m == Goroutines {
		return "goroutines"
	}
	return "processes"
}

// Options configures a Pool. The zero value is valid.
type Options struct {
	// Workers is the number of workers; default GOMAXPROCS.
	Workers int
	// Mode selects processes (default) or goroutines.
	Mode Mode
	// ArenaSize is the room left in the arena for the user's own regions
	// and for channels and queues, on top of what the workers' rings take.
	// Default 64 MiB.
	ArenaSize int
	// RingSize is the capacity of each worker's two rings; default 256 KiB.
	// The largest task or result is ring.MaxFrame(RingSize) bytes.
	RingSize int
	// QueueDepth bounds the tasks in flight per worker; Submit blocks while
	// every worker has this many. Default 16.
	QueueDepth int
	// MaxAttempts is how many times a task may be running when its worker
	// dies before it fails with a *CrashError; default 3.
	MaxAttempts int
	// Spin is how long rings poll before sleeping (see ring.Options);
	// default ring.DefaultSpin, or no polling (-1) when there are more
	// workers than CPUs.
	Spin time.Duration
	// WorkerProcs is GOMAXPROCS in each worker process; default 1, since a
	// worker runs one task at a time.
	WorkerProcs int
	// PinWorkers binds worker i, in processes mode, to one CPU: the i-th,
	// modulo their number, of those the master may run on. The operating
	// system then neither moves a worker from core to core nor, when a
	// result wakes the master, runs the master on the core of the worker
	// that woke it (and preempts that worker) while another core idles. Set
	// it when the pool has a core per worker; leave it off on a machine
	// busy with other programs, where a pinned worker cannot move away from
	// a loaded core. Start fails if the master's CPU affinity cannot be
	// read; a worker that cannot pin itself says so on Stderr and runs
	// unpinned. Linux only: elsewhere it changes nothing.
	PinWorkers bool
	// Env adds KEY=VALUE settings to a worker's otherwise minimal
	// environment (see the package documentation).
	Env []string
	// Stderr receives the workers' standard output and error, each line
	// prefixed with the worker's index, one write at a time; default
	// os.Stderr. The last lines are kept for crash reports either way.
	Stderr io.Writer
	// Timeline, if set, is the path of a Chrome trace-event JSON file
	// written at Close: a track per worker, a span per task, crashes and
	// restarts marked, and the master's own tracks (see Pool.Track). Open
	// it in Perfetto or chrome://tracing.
	Timeline string
	// Logger receives supervision events (crashes, restarts); default
	// discards them.
	Logger *slog.Logger
	// StartTimeout bounds how long a worker may take to say hello, from
	// its own start (Start starts a few workers at a time); default 10 s.
	StartTimeout time.Duration
	// HeartbeatTimeout is how long a worker process may go without
	// refreshing its heartbeat before the master looks at it: one that is
	// stopped (SIGSTOP, a debugger) is then killed and its tasks re-run,
	// and so is one that goes on to use HeartbeatTimeout of CPU time
	// without refreshing it (hung); one that waits for a CPU on an
	// overloaded machine is left alone. Default 2 s; negative disables
	// the check.
	HeartbeatTimeout time.Duration
}

func (o Options) withDefaults() Options {
	if o.Workers <= 0 {
		o.Workers = goruntime.GOMAXPROCS(0)
	}
	if o.Spin == 0 && o.Workers > goruntime.NumCPU() {
		// More workers than cores: a worker that polls for its next task
		// takes the core from one with work, and a master that polls for
		// results from the workers that make them.
		o.Spin = -1
	}
	if o.ArenaSize <= 0 {
		o.ArenaSize = 64 << 20
	}
	if o.RingSize <= 0 {
		o.RingSize = 256 << 10
	}
	if o.QueueDepth <= 0 {
		o.QueueDepth = 16
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 3
	}
	if o.WorkerProcs <= 0 {
		o.WorkerProcs = 1
	}
	if o.Stderr == nil {
		o.Stderr = os.Stderr
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = 10 * time.Second
	}
	if o.HeartbeatTimeout == 0 {
		o.HeartbeatTimeout = 2 * time.Second
	}
	return o
}

// Pool is a master and its workers. Its methods are safe for concurrent
// use. Create one with Start and release it with Close.
type Pool struct {
	opts    Options
	arena   *arena.Arena
	scope   *Scope // the master's
	workers []*worker
	backend backend
	build   uint64
	khash   uint64
	log     *slog.Logger
	tl      *timeline
	origin  int64 // CLOCK_MONOTONIC at Start

	mu       sync.Mutex
	tasks    taskTable
	pending  []*task // tasks waiting for a worker
	active   int     // tasks queued or in flight
	space    chan struct{}
	spaceW   int  // goroutines waiting for space
	closing  bool // no new tasks
	stopping bool // workers are being shut down: no restarts, no re-runs
	next     int  // round-robin start for worker choice
	idle     chan struct{}
	closed   chan struct{}

	stopWatch chan struct{}
	started   atomic.Bool // Start succeeded: deaths are recovered from, not fatal
	stderr    lockedWriter
	wg        sync.WaitGroup
	redone    atomic.Uint64
	crashes   atomic.Uint64
	exitSubs  exitSubscribers

	// Remote hosts (hosts.go): their slots, after the local workers'
	// (guarded by mu), the hedger watching their tasks, and the content
	// hashes of the shared regions sent to them.
	hosts     []*worker
	hedge     *hedger
	hedgeOnce sync.Once
	hedges    atomic.Uint64
	shared    sharedHashes
	// On a host: the jobs its master sent (hostjobs.go).
	jobs     *jobServer
	jobsOnce sync.Once
}

// Start creates the pool's arena, starts its workers and waits until every
// worker has answered the handshake. ctx bounds the start-up. Kernels must
// all be registered before the first Start. In a process that a master
// started as a worker (the program did not call Main first) it fails at
// once with ErrInWorker.
func Start(ctx context.Context, o *Options) (*Pool, error) {
	if _, ok := os.LookupEnv(envWorker); ok {
		return nil, ErrInWorker
	}
	var opts Options
	if o != nil {
		opts = *o
	}
	opts = opts.withDefaults()
	if opts.RingSize < 4096 || opts.RingSize&(opts.RingSize-1) != 0 {
		return nil, fmt.Errorf("shmrun: RingSize %d is not a power of two of at least 4096", opts.RingSize)
	}
	_, khash := freezeKernels()
	p := &Pool{opts: opts, build: buildHash(), khash: khash, log: opts.Logger,
		space: make(chan struct{}), stopWatch: make(chan struct{}), closed: make(chan struct{}), origin: mono.Now()}
	p.stderr.w = opts.Stderr
	if opts.Timeline != "" {
		p.tl = newTimeline(opts.Workers, p.origin)
	}
	perWorker := 2*ring.SPSCSize(opts.RingSize) + controlSize + 3*arena.Alignment
	a, err := arena.Create(opts.ArenaSize+opts.Workers*perWorker+(1<<20), &arena.Options{
		Label: "shmrun", MaxRegions: 3*opts.Workers + 1024})
	if err != nil {
		return nil, err
	}
	p.arena = a
	p.scope = newScope(a, -1)
	if opts.Mode == Goroutines {
		p.backend = localBackend{p}
	} else if p.backend, err = newProcBackend(p); err != nil {
		a.Close()
		return nil, err
	}
	p.workers = make([]*worker, opts.Workers)
	for i := range p.workers {
		p.workers[i] = &worker{p: p, id: i}
	}
	if err := p.startAll(ctx); err != nil {
		p.mu.Lock()
		p.stopping = true // no restarts, no re-runs
		p.mu.Unlock()
		p.kill()
		p.wg.Wait() // readers and reapers are done with the arena
		a.Close()
		return nil, err
	}
	p.started.Store(true)
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		p.backend.watch(p.stopWatch)
	}()
	return p, nil
}

// startWave returns how many workers may be starting at once: a starting
// worker process costs a core for a few milliseconds (exec, the Go
// runtime, attaching the arena), and a thousand at once on two cores
// would each wait far longer for the CPU than for its start.
func startWave() int { return max(4, 2*goruntime.NumCPU()) }

// startAll starts every worker, startWave at a time, and waits for their
// hellos; each worker has StartTimeout from its own start to say hello.
// It stops at the first failure.
func (p *Pool) startAll(ctx context.Context) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	wave := make(chan struct{}, startWave())
	var mu sync.Mutex
	var errs []error
	fail := func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
		cancel(err)
	}
	var wg sync.WaitGroup
	for _, w := range p.workers {
		select {
		case wave <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		inc, err := w.start()
		if err != nil {
			<-wave
			fail(err)
			break
		}
		wg.Go(func() {
			defer func() { <-wave }()
			if err := p.startOne(ctx, inc); err != nil && ctx.Err() == nil {
				fail(err) // not when another worker failed first, or the caller gave up
			}
		})
	}
	wg.Wait()
	if len(errs) == 0 && ctx.Err() != nil { // the caller's context ended
		errs = append(errs, fmt.Errorf("%w: starting %d workers: %w", ErrHandshake, len(p.workers), context.Cause(ctx)))
	}
	return errors.Join(errs...)
}

// startOne waits for the hello of a slot's first incarnation, giving it
// StartTimeout. An incarnation that a signal from outside ended before its
// hello is started again (after a back-off), up to maxBadStarts in a row:
// a worker SIGKILLed while the pool starts costs a restart, not the Start.
func (p *Pool) startOne(ctx context.Context, inc *incarnation) error {
	for {
		hello, stop := context.WithTimeout(ctx, p.opts.StartTimeout)
		err := inc.awaitHello(hello)
		stop()
		var sig *signalledBeforeHello
		w := inc.w
		if err == nil || ctx.Err() != nil || !errors.As(err, &sig) || w.badStart.Load() >= maxBadStarts {
			return err
		}
		p.log.Warn("shmrun: worker killed before its hello; starting it again", "worker", w.id, "err", err)
		<-sig.settled
		if !w.backOff(ctx) {
			return err // the caller gave up meanwhile
		}
		w.life.Lock()
		inc, err = w.start()
		w.life.Unlock()
		if err != nil {
			return err
		}
	}
}

// awaitHello waits for the outcome of the incarnation's handshake.
func (inc *incarnation) awaitHello(ctx context.Context) error {
	select {
	case err := <-inc.ready:
		return err
	case <-ctx.Done():
		return fmt.Errorf("%w: worker %d did not say hello within %v (on a loaded machine, give it longer: Options.StartTimeout; %s): %w",
			ErrHandshake, inc.w.id, inc.w.p.opts.StartTimeout, mainHint, ctx.Err())
	}
}

// Arena returns the pool's shared arena. Allocate your own regions in it
// at any time (workers see regions allocated after they started) and hand
// their names or offsets to kernels; Options.ArenaSize must leave room for
// them.
func (p *Pool) Arena() *arena.Arena { return p.arena }

// Scope returns the master's scope of the pool: Locals that the master
// sets or gets keep their values there until Close, and goroutine workers
// share it.
func (p *Pool) Scope() *Scope { return p.scope }

// Workers returns the number of workers.
func (p *Pool) Workers() int { return len(p.workers) }

// Capacity returns how many tasks the pool runs at once: its workers, and
// the capacity of the remote hosts it sends tasks to now (see AddHost).
func (p *Pool) Capacity() int { return p.capacity(true) }

// capacity is Capacity, counting the hosts only if remote.
func (p *Pool) capacity(remote bool) int {
	n := len(p.workers)
	if !remote {
		return n
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, w := range p.hosts {
		if w.cur.Load().isReady() {
			n += w.capacity
		}
	}
	return n
}

// Mode returns whether the workers are processes or goroutines.
func (p *Pool) Mode() Mode { return p.opts.Mode }

// kill stops every worker and host at once, without draining.
func (p *Pool) kill() {
	for _, w := range p.allSlots() {
		w.stop(true)
	}
}

// allSlots returns the local workers and the hosts.
func (p *Pool) allSlots() []*worker {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append(p.workers[:len(p.workers):len(p.workers)], p.hosts...)
}
