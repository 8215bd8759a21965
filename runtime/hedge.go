package runtime

import (
	"slices"
	"sync"
	"time"

	"github.com/shmrun/shmrun/internal/mono"
	"github.com/shmrun/shmrun/runtime/internal/wire"
)

// Hedging: a task that is overdue on a remote host (a host that slowed
// down, stopped, or lost the task on the way) runs again on an idle local
// worker while the host keeps it, and the first result wins. A host that
// dies is noticed within milliseconds when its connection closes, but one
// that stops answering only when its heartbeat goes stale; in real time,
// a frame cannot wait that long for its last tiles.
//
// The local copy writes in place, into the master's arena, so a task with
// a hedge ends only once that copy has ended: when the host's result comes
// first, its bytes are written at once (the same bytes the local copy
// writes: a task's writes are idempotent) and the copy is cancelled; when
// the local copy comes first, the host's result is dropped when it
// arrives.

// Hedging parameters: how often overdue tasks are looked for, the least
// age that counts as overdue, and how many recent remote turnarounds its
// percentile is taken over (and must have been seen first).
const (
	hedgeTick    = 2 * time.Millisecond
	hedgeFloor   = 2 * time.Millisecond
	hedgeSamples = 256
	hedgeMinSeen = 16
)

// hedger watches the pool's hosts for overdue tasks.
type hedger struct {
	p    *Pool
	wake chan struct{} // a task was sent to a host

	mu        sync.Mutex
	hosts     []*hostLive
	turn      [hedgeSamples]int64 // recent turnarounds, nanoseconds, a ring
	seen      int
	threshold int64 // 0: not enough turnarounds seen to judge
}

// hedger returns the pool's hedger, starting it with the first host.
func (p *Pool) hedger() *hedger {
	p.hedgeOnce.Do(func() {
		p.hedge = &hedger{p: p, wake: make(chan struct{}, 1)}
		p.wg.Add(1)
		go p.hedge.run()
	})
	return p.hedge
}

func (h *hedger) watchHost(l *hostLive) {
	h.mu.Lock()
	h.hosts = append(h.hosts, l)
	h.mu.Unlock()
}

// sent wakes the hedger if it sleeps for want of remote tasks.
func (h *hedger) sent() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// observe records the turnaround of a task a host answered.
func (h *hedger) observe(d int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.turn[h.seen%hedgeSamples] = d
	h.seen++
	if h.seen >= hedgeMinSeen && h.seen%(hedgeMinSeen) == 0 {
		recent := slices.Clone(h.turn[:min(h.seen, hedgeSamples)])
		slices.Sort(recent)
		p99 := recent[(len(recent)*99+99)/100-1]
		h.threshold = max(2*p99, int64(hedgeFloor))
	}
}

// run looks for overdue remote tasks every hedgeTick while hosts hold
// tasks, and sleeps while none do, until the pool closes.
func (h *hedger) run() {
	defer h.p.wg.Done()
	tick := time.NewTicker(hedgeTick)
	defer tick.Stop()
	for {
		select {
		case <-h.p.stopWatch:
			return
		case <-tick.C:
		}
		if h.scan() {
			continue
		}
		select { // nothing in flight on any host
		case <-h.p.stopWatch:
			return
		case <-h.wake:
		}
	}
}

// scan hedges what is overdue and reports whether any host holds tasks.
func (h *hedger) scan() bool {
	h.mu.Lock()
	hosts, threshold := slices.Clone(h.hosts), h.threshold
	h.mu.Unlock()
	busy := false
	now := mono.Now()
	for _, l := range hosts {
		overdue, inflight := l.overdue(now, threshold)
		busy = busy || inflight
		for _, id := range overdue {
			if !h.p.hedgeTask(l, id) {
				break // no idle local worker: try again next tick
			}
		}
	}
	return busy
}

// overdue lists the tasks in flight on the host for longer than threshold
// and not hedged yet (none while threshold is 0 or the host asked for no
// hedging), and reports whether it holds any task.
func (l *hostLive) overdue(now, threshold int64) ([]uint64, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if threshold == 0 || l.cfg.NoHedge {
		return nil, len(l.sent) > 0
	}
	var ids []uint64
	for id, sj := range l.sent {
		if now-sj.at > threshold {
			l.suspect.Store(true)
			if !sj.hedged {
				ids = append(ids, id)
			}
		}
	}
	return ids, len(l.sent) > 0
}

// hedgeTask runs a copy of a task in flight on host l on an idle local
// worker. It reports false when no local worker is idle.
func (p *Pool) hedgeTask(l *hostLive, id uint64) bool {
	p.mu.Lock()
	t := p.tasks.lookup(id)
	if p.stopping || t == nil || t.state != taskInflight || t.inc != l.inc || t.hedge != nil || t.held || t.abandoned {
		p.mu.Unlock()
		return true
	}
	var w *worker
	for _, c := range p.workers {
		if c.cur.Load().isReady() && c.inflight == 0 {
			w = c
			break
		}
	}
	if w == nil {
		p.mu.Unlock()
		return false
	}
	inc := w.cur.Load()
	t.hedge = inc
	t.attempt++
	w.inflight++
	p.hedges.Add(1)
	p.mu.Unlock()
	l.mu.Lock()
	if sj, ok := l.sent[id]; ok {
		sj.hedged = true
		l.sent[id] = sj
	}
	l.mu.Unlock()
	if p.tl != nil {
		p.tl.instant(w.id, "hedge", "task in flight on host "+l.cfg.Name, mono.Now())
	}
	inc.live.send(t)
	return true
}

// on reports whether the task is in flight on inc, as itself or as its
// hedge.
func (t *task) on(inc *incarnation) bool { return t.inc == inc || (t.hedge != nil && t.hedge == inc) }

// hedgedLocked takes a result of a task that has, or had, a hedge, and
// reports whether it did; completeLocked handles the others.
func (p *Pool) hedgedLocked(inc *incarnation, t *task, r *wire.ResultMsg, landed func(*task)) bool {
	if t.hedge == nil && !t.held {
		return false
	}
	if inc == t.hedge { // the local copy ended
		t.hedge = nil
		if !t.held { // and is first: the host's answer is dropped when it comes
			if remote := t.inc; remote != nil {
				remote.w.inflight--
				remote.live.cancel(t.id())
			}
			storeResult(t, r)
		}
		p.finishLocked(t) // held: with the host's result, stored as it came
		return true
	}
	// The host's result is first, while the local copy may be writing the
	// same bytes in place: they land now, and the task ends with the copy.
	storeResult(t, r)
	if landed != nil {
		landed(t)
	}
	t.held, t.inc = true, nil
	t.hedge.live.cancel(t.id())
	return true
}

// recoverHedgedLocked takes back from a dead incarnation a task that has
// a hedge, and reports whether it did; recover handles the others.
func (p *Pool) recoverHedgedLocked(inc *incarnation, t *task) bool {
	if t.hedge == nil && !t.held {
		return false
	}
	if t.hedge == inc { // the local copy died
		t.hedge = nil
		if t.held {
			p.finishLocked(t) // with the host's result
		}
		return true // else it is still in flight on the host
	}
	// The host died: the local copy carries on as the task.
	t.inc, t.hedge = t.hedge, nil
	return true
}
