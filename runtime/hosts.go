package runtime

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/shmrun/shmrun/internal/mono"
)

// ErrHostLimit is returned by AddHost when the pool holds as many host
// slots as it may (MaxHosts), joined or lost.
var ErrHostLimit = errors.New("shmrun: too many hosts")

// MaxHosts bounds the host slots of one pool: a host that is lost keeps
// its slot (its statistics), and a new process joins as a new host.
const MaxHosts = 1024

// HostLink is how a pool reaches one remote host: package cluster
// implements it over NATS. Its methods may be called from any goroutine,
// concurrently, and must not block for long.
type HostLink interface {
	// Send delivers a job to the host. job.Message is valid only during
	// the call. An error (the job is larger than the link carries, the
	// link is closed) fails the task with it.
	Send(job *Job) error
	// Cancel asks the host to cancel the task with the given id: the host
	// still answers it, with the outcome of a cancelled task.
	Cancel(id uint64)
	// Close tells the host that the pool is done with it: k is nil when
	// the pool closes, or says why the master gave up on the host. The
	// pool sends nothing more, and drops what the host still answers.
	Close(k *Kill)
}

// Job is one task on its way to a host.
type Job struct {
	ID      uint64
	Kernel  string
	Attempt int
	// Message is the task as the host's Pool.RunJob takes it: checked
	// bytes, opaque to the link.
	Message []byte
	// Shared lists the shared regions the job names (Footprint.Shared):
	// the host's installer must be able to fetch each by its hash.
	Shared []SharedRegion
}

// SharedRegion is a region that a job names as shared: its name, its
// content's SHA-256, and its bytes in the master's arena, for the link to
// publish; read them, never write them.
type SharedRegion struct {
	Name  string
	Hash  [32]byte
	Bytes []byte
}

// HostConfig describes a remote host joining a pool.
type HostConfig struct {
	// Name identifies the host for people: in Stats, on the timeline and
	// in WorkerExit.Host.
	Name string
	// PID is the host process's id on its own machine (WorkerExit.PID).
	PID int
	// Capacity is how many tasks the host runs at once, its worker count:
	// the pool keeps up to Capacity times Options.QueueDepth tasks in
	// flight on it and balances load by capacity.
	Capacity int
	// NoHedge turns hedging off for this host's tasks: by default a task
	// that is overdue on the host (older than twice the 99th percentile
	// of recent remote turnarounds) runs again on an idle local worker,
	// and the first result wins.
	NoHedge bool
}

// Host is a remote host's worker slot in a pool: tasks of kernels
// declared Remote go to it as to a local worker, with the same attempts,
// deadlines, CrashError and timeline. Its methods are safe for concurrent
// use. The slot outlives the host: once the host is lost or killed it
// takes no more tasks, and a host that comes back joins as a new Host.
type Host struct {
	w *worker
	l *hostLive
}

// AddHost adds a remote host to the pool, reached through link, and
// returns its slot, ready for tasks. It fails with ErrClosed once the pool
// is closing, and with ErrHostLimit past MaxHosts.
func (p *Pool) AddHost(cfg HostConfig, link HostLink) (*Host, error) {
	if cfg.Capacity < 1 || cfg.Capacity > 1<<16 {
		return nil, fmt.Errorf("shmrun: host %q with capacity %d", cfg.Name, cfg.Capacity)
	}
	p.mu.Lock()
	if p.closing {
		p.mu.Unlock()
		return nil, ErrClosed
	}
	if len(p.hosts) >= MaxHosts {
		p.mu.Unlock()
		return nil, ErrHostLimit
	}
	w := &worker{p: p, id: len(p.workers) + len(p.hosts), capacity: cfg.Capacity, host: cfg.Name}
	inc := &incarnation{w: w, ready: make(chan error, 1), exited: make(chan struct{})}
	l := newHostLive(p, inc, cfg, link)
	inc.live = l
	inc.procID.Store(int64(cfg.PID))
	inc.state.Store(int32(incReady))
	inc.publish()
	p.hosts = append(p.hosts, w)
	p.freedLocked()
	p.mu.Unlock()
	if p.tl != nil {
		p.tl.nameHost(w.id, cfg.Name)
	}
	p.hedger().watchHost(l)
	p.log.Info("shmrun: host joined", "host", cfg.Name, "slot", w.id, "capacity", cfg.Capacity)
	p.dispatchPending()
	return &Host{w: w, l: l}, nil
}

// Slot returns the host's worker index, after the local workers'.
func (h *Host) Slot() int { return h.w.id }

// Alive reports whether the pool still sends tasks to the host.
func (h *Host) Alive() bool { return h.w.cur.Load().isReady() }

// Exited returns a channel closed once the pool is done with the host:
// it was lost, killed, or the pool closed.
func (h *Host) Exited() <-chan struct{} { return h.l.inc.exited }

// Lost tells the pool that the host went away on its own (its connection
// closed, it left): its tasks run again elsewhere, and what it still
// sends is dropped. reason is for people (WorkerExit.Lost).
func (h *Host) Lost(reason string) {
	h.l.end(WorkerExit{Lost: reason})
}

// Kill has the pool give up on the host for the reason k (a heartbeat
// gone stale, bytes no correct host sends): its tasks run again
// elsewhere, and the link is closed with k.
func (h *Host) Kill(k Kill) { h.l.inc.kill(k) }

// hostLive is the pool's side of a remote host: the live of its only
// incarnation.
type hostLive struct {
	p    *Pool
	inc  *incarnation
	cfg  HostConfig
	link HostLink
	jobs *jobBuilder

	mu   sync.Mutex
	dead bool               // ended: sends are dropped, results refused
	sent map[uint64]sentJob // tasks sent and not answered, by id

	// suspect is set while the host holds overdue tasks, until it answers
	// one: the pool sends it nothing more meanwhile (a stopped host would
	// otherwise take tasks until its heartbeat goes stale).
	suspect atomic.Bool

	endOnce sync.Once
}

// sentJob is what the pool remembers of a task it sent to a host: when,
// and where the bytes it writes in place go.
type sentJob struct {
	at     int64 // CLOCK_MONOTONIC
	writes []outBlock
	hedged bool
}

func newHostLive(p *Pool, inc *incarnation, cfg HostConfig, link HostLink) *hostLive {
	return &hostLive{p: p, inc: inc, cfg: cfg, link: link, jobs: newJobBuilder(p), sent: map[uint64]sentJob{}}
}

// send builds the task's job and hands it to the link; a task whose job
// cannot be built or sent fails with the reason.
func (l *hostLive) send(t *task) {
	l.mu.Lock()
	if l.dead {
		l.mu.Unlock()
		return
	}
	job, writes, err := l.jobs.build(t)
	if err == nil {
		l.sent[job.ID] = sentJob{at: mono.Now(), writes: writes}
		if err = l.link.Send(job); err != nil {
			delete(l.sent, job.ID)
		}
		l.p.hedge.sent()
	}
	l.mu.Unlock()
	if err != nil {
		l.p.failInflight(l.inc, t, fmt.Errorf("host %s: %w", l.cfg.Name, err))
	}
}

func (l *hostLive) cancel(id uint64) { l.link.Cancel(id) }

// stop ends the host's incarnation: the pool closes. Close has waited for
// the tasks in flight, so there is nothing to finish.
func (l *hostLive) stop(bool) { l.end(WorkerExit{}) }

// kill ends the incarnation at once: the master recorded why.
func (l *hostLive) kill() { l.end(WorkerExit{Status: -1}) }

// end ends the incarnation once, from a goroutine of its own: onExit
// takes its tasks back and may dispatch them to other hosts, which the
// caller (a link's message handler, w.stop holding the slot's lock) must
// not wait for.
func (l *hostLive) end(e WorkerExit) {
	l.endOnce.Do(func() {
		e.PID, e.Host = l.cfg.PID, l.cfg.Name
		l.link.Close(l.inc.killed.Load())
		p := l.p
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			close(l.inc.exited)
			p.onExit(l.inc, e)
			p.log.Info("shmrun: host ended", "host", l.cfg.Name, "exit", e)
		}()
	})
}

// shutdown fences the incarnation off: nothing more is sent to the host
// or taken from it.
func (l *hostLive) shutdown() {
	l.mu.Lock()
	l.dead = true
	l.sent = nil
	l.mu.Unlock()
}

// running is never known for a host: its own pool blames the tasks that
// crash its workers, and a host's death is no task's fault.
func (l *hostLive) running() uint64 { return 0 }

func (l *hostLive) output(int) []string { return nil }

func (l *hostLive) waiting() (string, int64) { return "", 0 }

// answered takes the record of a task sent to the host, if the host still
// owes its answer.
func (l *hostLive) answered(id uint64) (sentJob, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	sj, ok := l.sent[id]
	if ok {
		delete(l.sent, id)
	}
	return sj, ok
}

// failInflight fails a task that its incarnation cannot run.
func (p *Pool) failInflight(inc *incarnation, t *task, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if t.state != taskInflight || t.inc != inc {
		return
	}
	inc.w.inflight--
	t.err = err
	p.finishLocked(t)
}
