package proxy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shmrun/shmrun/arena"
	"github.com/shmrun/shmrun/internal/spinwait"
	"github.com/shmrun/shmrun/ring"
	"github.com/shmrun/shmrun/runtime"
)

// Options configures a hub; the master's options hold in every process.
// The zero value is valid.
type Options struct {
	// Objects is how many objects may be served at once; default 256.
	Objects int
	// MaxMessage is the size of a call slot: the largest call or reply
	// envelope, about 100 bytes more than the argument or result.
	// Default 4 KiB, at least 256 bytes.
	MaxMessage int
	// Handlers is how many calls a process runs at once, at most: its
	// handler goroutines, and the callers that run a method of an object
	// homed in their own process themselves, share this many turns; more
	// wait. Default 4.
	Handlers int
	// Spin is how long a caller polls for its reply, and an idle handler
	// for requests, before sleeping on a futex, at most: each learns how
	// long polling pays (see the package documentation). Default
	// ring.DefaultSpin, at most 10 ms, negative to sleep at once.
	Spin time.Duration
	// Logger receives the master's reports of malformed envelopes (at
	// Warn) and of posts that failed (at Debug); default discards. Workers
	// count theirs (Stats.Malformed, Stats.PostErrors) silently.
	Logger *slog.Logger
}

// maxSpin bounds Options.Spin: polling longer than a scheduler's time
// slice only burns the CPU.
const maxSpin = 10 * time.Millisecond

func (o Options) withDefaults() Options {
	if o.Objects <= 0 {
		o.Objects = 256
	}
	if o.MaxMessage <= 0 {
		o.MaxMessage = 4 << 10
	}
	if o.Handlers <= 0 {
		o.Handlers = 4
	}
	if o.Spin == 0 {
		o.Spin = ring.DefaultSpin
	}
	o.Spin = min(o.Spin, maxSpin)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Hub is one process's access to a pool's proxied objects: it serves the
// objects this process publishes, and calls those of any process. Its
// methods are safe for concurrent use. The master makes the pool's hub
// with New; a kernel gets its process's hub with Open.
type Hub struct {
	sh     *shared
	me     int    // this process's endpoint
	epoch  uint64 // the endpoint's epoch when this process attached
	master bool
	log    *slog.Logger

	callSpin *spinwait.Budget // how long callers poll for replies
	idleSpin *spinwait.Budget // how long an idle handler polls for requests

	calls []*call
	free  freeSlots
	turns *turns
	drain drainer
	objs  []atomic.Pointer[served] // by directory entry: what this process serves
	dir   *directoryStubs          // workers: the master's directory service

	mu       sync.Mutex // orders the master's directory writes
	base     context.Context
	stop     context.CancelFunc
	done     chan struct{}
	closed   atomic.Bool
	wg       sync.WaitGroup
	unsub    func()
	counters counters
}

// served is an object this process serves, under a directory entry.
type served struct {
	svc *Service
	ref ref
}

// counters are a hub's statistics.
type counters struct {
	calls, posts, here, served, postErrors, malformed, deaths atomic.Uint64
}

// Stats is a snapshot of a hub's counters, for this process.
type Stats struct {
	Calls      uint64 // calls made from this process (Stub.Call)
	Posts      uint64 // one-way calls made from this process (Stub.Post)
	Here       uint64 // calls and posts of both that ran on the caller's goroutine: their object lives here
	Served     uint64 // calls and posts to objects here that this process handled, Here's included
	PostErrors uint64 // posts handled here whose method failed, panicked or could not run
	Malformed  uint64 // envelopes from other processes that did not verify
	Deaths     uint64 // home processes that died (counted by the master)
}

// hubs is this process's hub of a pool: the master's, which New makes
// (and goroutine workers share), or a worker process's, which Open attaches
// the first time a kernel asks. The pool closing closes the master's.
var hubs = runtime.NewLocal(openHub, func(h *Hub) { h.Close() })

// ArenaSize returns the bytes New takes from the arena of a pool of
// workers worker processes (goroutine mode: 0) with options o, to add to
// runtime.Options.ArenaSize.
func ArenaSize(workers int, o *Options) int {
	var opts Options
	if o != nil {
		opts = *o
	}
	opts = opts.withDefaults()
	return geometry{endpoints: 1 + max(workers, 0), entries: opts.Objects, slotSize: opts.MaxMessage}.size() + arena.Alignment
}

// New makes the pool's hub, in the master, after Start: its directory and
// one endpoint (control words and call slots) per process, in the arena.
// A pool has at most one hub. Close it before the pool.
func New(p *runtime.Pool, o *Options) (*Hub, error) {
	var opts Options
	if o != nil {
		opts = *o
	}
	opts = opts.withDefaults()
	g := geometry{endpoints: 1, entries: opts.Objects, slotSize: opts.MaxMessage}
	if p.Mode() == runtime.Processes {
		if p.Workers() > MaxWorkers {
			return nil, fmt.Errorf("proxy: a hub serves at most %d worker processes, not %d", MaxWorkers, p.Workers())
		}
		g.endpoints += p.Workers()
	}
	if opts.Handlers > 1024 {
		opts.Handlers = 1024
	}
	if err := g.check(); err != nil {
		return nil, fmt.Errorf("proxy: options: %v", err)
	}
	r, err := p.Arena().Alloc(regionName, g.size(), kindHub)
	if err != nil {
		return nil, fmt.Errorf("proxy: hub: %w", err)
	}
	h, err := create(r, g, opts)
	if err != nil {
		return nil, err
	}
	if err := hubs.Set(p.Scope(), h); err != nil {
		return nil, fmt.Errorf("proxy: a pool has one hub: %w", err)
	}
	h.unsub = p.OnWorkerExit(h.onExit)
	h.start(opts.Handlers)
	return h, nil
}

// create formats a hub region and returns the master's hub on it, not yet
// started.
func create(r arena.Region, g geometry, opts Options) (*Hub, error) {
	sh, err := view(r, g)
	if err != nil {
		return nil, err
	}
	hdr := sh.hdr
	hdr.endpoints.Store(uint32(g.endpoints))
	hdr.entries.Store(uint32(g.entries))
	hdr.slotSize.Store(uint32(g.slotSize))
	hdr.handlers.Store(uint32(opts.Handlers))
	hdr.spin.Store(int64(opts.Spin))
	h := newHub(sh, 0, opts)
	h.master = true
	h.unsub = func() {}
	h.adopt()
	if err := h.serveDirectory(); err != nil {
		return nil, err
	}
	hdr.magic.Store(hubMagic) // last: workers may attach from now on
	return h, nil
}

// Open returns the hub of the pool a kernel runs in, attached in this
// process: made the first time, the same one after. The hub outlives the
// kernel: the objects the process serves stay callable after the kernel
// returns, as long as the process lives. In goroutine mode it returns the
// master's hub. It fails with ErrNoHub if the master did not call New.
func Open(env *runtime.Env) (*Hub, error) { return OpenScope(env.Scope()) }

// OpenScope is Open for the process and pool of a scope: what a
// runtime.Local's make function, which gets a scope, calls.
func OpenScope(s *runtime.Scope) (*Hub, error) { return hubs.Get(s) }

// openHub attaches a worker process to its pool's hub. The master's scope
// has a hub only if New set it.
func openHub(s *runtime.Scope) (*Hub, error) {
	if s.Worker() < 0 {
		return nil, ErrNoHub
	}
	r, err := s.Arena().Region(regionName)
	if errors.Is(err, arena.ErrNotFound) {
		return nil, ErrNoHub
	}
	if err != nil {
		return nil, fmt.Errorf("proxy: %w", err)
	}
	sh, opts, err := attach(r)
	if err != nil {
		return nil, err
	}
	me := s.Worker() + 1
	if me >= sh.endpoints {
		return nil, fmt.Errorf("%w: worker %d of a hub for %d", ErrCorrupt, s.Worker(), sh.endpoints-1)
	}
	h := newHub(sh, me, opts)
	h.dir = newDirectoryStubs(h)
	h.adopt()
	h.start(opts.Handlers)
	return h, nil
}

// attach checks the header a master wrote and views the region.
func attach(r arena.Region) (*shared, Options, error) {
	b := r.Bytes()
	if len(b) < headerSize {
		return nil, Options{}, fmt.Errorf("%w: region of %d bytes", ErrCorrupt, len(b))
	}
	hdr := headerOf(b)
	switch {
	case hdr.magic.Load() != hubMagic:
		return nil, Options{}, ErrNoHub // allocated, not yet formatted
	case hdr.closed.Load() != 0:
		return nil, Options{}, ErrClosed
	}
	g := geometry{endpoints: int(hdr.endpoints.Load()), entries: int(hdr.entries.Load()), slotSize: int(hdr.slotSize.Load())}
	sh, err := view(r, g)
	if err != nil {
		return nil, Options{}, err
	}
	o := Options{Handlers: int(min(hdr.handlers.Load(), 1024)), Spin: min(time.Duration(hdr.spin.Load()), maxSpin)}
	return sh, o.withDefaults(), nil
}

func newHub(sh *shared, me int, o Options) *Hub {
	h := &Hub{sh: sh, me: me, log: o.Logger, done: make(chan struct{}),
		objs: make([]atomic.Pointer[served], sh.entries)}
	h.callSpin, h.idleSpin = spinwait.NewBudget(o.Spin), spinwait.NewBudget(o.Spin)
	h.base, h.stop = context.WithCancel(context.Background())
	ep := sh.endpoint(me)
	h.epoch = ep.epoch.Load()
	ep.pid.Store(int64(os.Getpid()))
	h.turns = newTurns(o.Handlers)
	h.calls = make([]*call, slotsPerEnd)
	h.free.init()
	for i := range h.calls {
		h.calls[i] = newCall(h, i)
	}
	return h
}

// start starts the hub's handlers and listener.
func (h *Hub) start(handlers int) {
	h.wg.Add(handlers + 1)
	for range handlers {
		go h.handle()
	}
	go h.listen()
}

// Close closes the master's hub: calls in flight and new ones in any
// process fail with ErrClosed, the master's handlers stop once their
// methods return (their contexts are cancelled), and the hub's memory stays
// until the pool closes. Close the hub before the pool: its goroutines use
// the arena. In a worker process Close does nothing: its hub lives as long
// as the process. A second Close returns nil.
func (h *Hub) Close() error {
	if !h.master || !h.closed.CompareAndSwap(false, true) {
		return nil
	}
	h.unsub()
	h.sh.hdr.closed.Store(1)
	h.stop()
	close(h.done)
	for e := range h.sh.endpoints {
		spinwait.Kick(&h.sh.endpoint(e).bell)
	}
	h.wakeCallers(-1)
	h.wg.Wait()
	return nil
}

// isClosed reports whether the hub, here or in the master, closed.
func (h *Hub) isClosed() bool { return h.closed.Load() || h.sh.hdr.closed.Load() != 0 }

// Stats returns this process's counters.
func (h *Hub) Stats() Stats {
	c := &h.counters
	return Stats{Calls: c.calls.Load(), Posts: c.posts.Load(), Here: c.here.Load(), Served: c.served.Load(),
		PostErrors: c.postErrors.Load(), Malformed: c.malformed.Load(), Deaths: c.deaths.Load()}
}

// onExit runs in the master when a worker process exits, before any
// replacement starts: the objects it served are dead from now on, and
// every process's listener wakes so that the calls pending on them fail
// at once.
func (h *Hub) onExit(e runtime.WorkerExit) {
	home := e.Worker + 1
	if home <= 0 || home >= h.sh.endpoints {
		return
	}
	h.mu.Lock()
	h.sh.endpoint(home).epoch.Add(1)
	h.sh.markDead(home)
	h.mu.Unlock()
	h.counters.deaths.Add(1)
	h.wakeCallers(home)
}

// wakeCallers wakes, in every process, the callers sleeping on a call to
// endpoint home (every caller if home < 0), and the listeners that free
// slots given up on.
func (h *Hub) wakeCallers(home int) {
	sh := h.sh
	for e := range sh.endpoints {
		for i := range slotsPerEnd {
			hdr, _ := sh.slot(e, i)
			_, st := unpack(hdr.state.Load())
			pending := slotState(st) == slotRequested || slotState(st) == slotRunning
			if pending && (home < 0 || int(hdr.home.Load()) == home) {
				spinwait.Kick(&hdr.wake)
			}
		}
		spinwait.Kick(&sh.endpoint(e).replyBell)
	}
}
