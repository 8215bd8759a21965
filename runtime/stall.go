package runtime

import (
	"fmt"
	"time"
)

// idleSince is what the heartbeat watcher remembers of a worker that holds
// tasks and runs none of them: which process, how many tasks the worker
// had finished, and since when it has been seen so.
type idleSince struct {
	pid   int64
	tasks uint64
	since int64
	beat  int64 // the heartbeat last seen
	beats int   // how many times it moved since then
}

// stallMin is the shortest a worker is seen idle with tasks queued, and
// beating, before it is taken for stalled, whatever HeartbeatTimeout is:
// on a machine with far more runnable threads than cores, a healthy
// worker's loop can wait for a CPU for a good part of a short timeout
// while its heartbeat goroutine gets one (chaos tests use 150 ms, and a
// healthy worker was killed so at a load average of 14).
const stallMin = time.Second

// stallBeats is how many heartbeats a stalled worker must have made while
// idle: one that the machine barely runs makes few.
const stallBeats = 3

// stalled says why a worker process that keeps its heartbeat fresh but has
// stopped taking its tasks must be killed, if it must.
//
// A worker whose memory is corrupt can lose its place in its task ring (a
// frame length overwritten with one the ring's checks still accept sends
// its reader past frames it never reads, up to the published end, where
// it waits for more) and wait there for good, alive and beating, while the
// master counts on it for the tasks it sent.
// Such a worker holds tasks, runs none (its running word names no task the
// master sent it) and finishes none. A healthy one never stays so: it
// takes a queued task within microseconds of getting a CPU. So the watcher
// kills a worker seen so at every tick for longer than HeartbeatTimeout
// (and stallMin), its heartbeat moving all the while, and its tasks run
// again elsewhere. Two healthy states look alike, and are left alone: a
// worker that the machine does not run (its heartbeat goes stale too, which
// is silent's business, so only a fresh heartbeat counts), and one whose
// results the master has not read because the master's reader of its ring
// is busy (blocked, say, sending a task to a worker whose ring is full).
func (b *procBackend) stalled(l *procLive, now, heartbeat int64) (Kill, bool) {
	p, w := b.p, l.inc.w
	pid, done := int64(l.proc.pid), w.tasks.Load()
	running := l.slot.ctl.running.Load()
	p.mu.Lock()
	queued := w.inflight
	busy := false
	if running != 0 {
		t := p.tasks.lookup(running)
		busy = t != nil && t.state == taskInflight && t.on(l.inc)
	}
	p.mu.Unlock()
	fresh := time.Duration(now-heartbeat) <= p.opts.HeartbeatTimeout/2
	s := &l.slot.idle
	if queued == 0 || busy || !fresh || l.reading.Load() || s.pid != pid || s.tasks != done {
		*s = idleSince{pid: pid, tasks: done, since: now, beat: heartbeat}
		return Kill{}, false
	}
	if heartbeat != s.beat {
		s.beat, s.beats = heartbeat, s.beats+1
	}
	if idle := time.Duration(now - s.since); idle > max(p.opts.HeartbeatTimeout, stallMin) && s.beats >= stallBeats {
		return Kill{KillStalled, fmt.Sprintf("%d tasks queued, none taken or finished for %v (running word %#x)",
			queued, idle.Round(time.Millisecond), running)}, true
	}
	return Kill{}, false
}
