package runtime

import (
	"time"

	"github.com/shmrun/shmrun/internal/mono"
)

// WorkerStats describes one worker slot.
type WorkerStats struct {
	Worker   int
	PID      int           // of the current process; 0 in goroutine mode
	Alive    bool          // ready to take tasks
	Restarts int           // replacements started after crashes
	Tasks    uint64        // tasks finished, over all incarnations
	Busy     time.Duration // time spent running kernels
	Queued   int           // tasks sent and not yet answered
	// Waiting is the channel (its arena name, "chan.NAME") that the
	// running kernel waits on, "" if none; WaitingFor is how long it has.
	// A kernel waits on a channel with its context (Env.Context) to show.
	Waiting    string
	WaitingFor time.Duration
}

// HostStats describes one remote host's slot (see Pool.AddHost).
type HostStats struct {
	Worker   int    // the slot's index, after the local workers'
	Name     string // the host's name
	PID      int    // the host process, on its machine
	Capacity int
	Alive    bool          // the pool sends it tasks; false once lost or killed
	Tasks    uint64        // tasks whose result it sent and the pool took
	Busy     time.Duration // time its workers spent running those tasks' kernels
	Queued   int           // tasks sent and not yet answered
}

// Stats is a snapshot of a pool's counters.
type Stats struct {
	Workers      []WorkerStats
	Hosts        []HostStats
	Tasks        uint64 // tasks finished by all workers and hosts
	Redispatched uint64 // tasks run again after their worker or host died
	Crashes      uint64 // worker processes that died unexpectedly, and hosts lost or killed
	Hedges       uint64 // copies of overdue remote tasks run on local workers
}

// Stats returns a snapshot of the pool's counters.
func (p *Pool) Stats() Stats {
	s := Stats{Redispatched: p.redone.Load(), Crashes: p.crashes.Load(), Hedges: p.hedges.Load()}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, w := range p.workers {
		inc := w.cur.Load()
		ws := WorkerStats{
			Worker:   w.id,
			PID:      inc.pid(),
			Alive:    inc.isReady(),
			Restarts: int(w.restarts.Load()),
			Tasks:    w.tasks.Load(),
			Busy:     time.Duration(w.busy.Load()),
			Queued:   w.inflight,
		}
		if inc.isReady() {
			if name, since := inc.live.waiting(); since > 0 {
				ws.Waiting, ws.WaitingFor = name, max(0, time.Duration(mono.Now()-since))
			}
		}
		s.Tasks += ws.Tasks
		s.Workers = append(s.Workers, ws)
	}
	for _, w := range p.hosts {
		inc := w.cur.Load()
		hs := HostStats{Worker: w.id, Name: w.host, PID: inc.pid(), Capacity: w.capacity, Alive: inc.isReady(),
			Tasks: w.tasks.Load(), Busy: time.Duration(w.busy.Load()), Queued: w.inflight}
		s.Tasks += hs.Tasks
		s.Hosts = append(s.Hosts, hs)
	}
	return s
}
