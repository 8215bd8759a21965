package runtime

import (
	"context"
	"fmt"
	"time"

	"github.com/shmrun/shmrun/internal/mono"
)

// watch kills worker processes that stopped refreshing their heartbeat (a
// SIGSTOP, a frozen machine), that sit in a task far past its deadline or
// that stopped taking their tasks; their tasks are then recovered like
// after any crash.
func (b *procBackend) watch(stop <-chan struct{}) {
	timeout := b.p.opts.HeartbeatTimeout
	if timeout <= 0 {
		return
	}
	tick := time.NewTicker(max(timeout/4, 5*time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		for _, w := range b.p.workers {
			if inc := w.cur.Load(); inc.isReady() {
				if k, bad := b.check(inc.live.(*procLive)); bad {
					inc.kill(k)
				}
			}
		}
	}
}

// idleBeat is the heartbeat period of an idle worker: an eighth of the
// heartbeat timeout, so that its heartbeat is never stale by half of it,
// between heartbeatEvery and maxIdleBeat.
func idleBeat(timeout time.Duration) time.Duration {
	if timeout <= 0 {
		return maxIdleBeat
	}
	return min(max(timeout/8, heartbeatEvery), maxIdleBeat)
}

// check looks at one ready worker process and says why it must be killed,
// if it must.
func (b *procBackend) check(l *procLive) (Kill, bool) {
	// The worker writes its heartbeat word: a time ahead of the master's
	// clock (or below zero) is garbage, and a worker that wrote it could
	// stop unnoticed. The clock is read after the word, so that a true
	// heartbeat is never ahead of it, however long the master waits for a
	// CPU in between.
	hb := l.slot.ctl.heartbeat.Load()
	now := mono.Now()
	if hb <= 0 || hb-now > int64(b.p.opts.HeartbeatTimeout) {
		return Kill{KillClock, fmt.Sprintf("heartbeat word %d is no time of the master's clock (%d)", hb, now)}, true
	}
	if k, bad := l.silent(time.Duration(now - hb)); bad {
		return k, true
	}
	if k, bad := b.overdue(l, now); bad {
		return k, true
	}
	return b.stalled(l, now, hb)
}

// overdue describes the task l is running if it is past its deadline by
// more than the heartbeat timeout, which means its kernel ignores its
// context, and marks the task to fail with context.DeadlineExceeded when
// the worker is killed for it.
func (b *procBackend) overdue(l *procLive, now int64) (Kill, bool) {
	running := l.slot.ctl.running.Load()
	if running == 0 {
		return Kill{}, false
	}
	p := b.p
	p.mu.Lock()
	defer p.mu.Unlock()
	t := p.tasks.lookup(running)
	if t == nil || t.state != taskInflight || t.inc != l.inc || t.deadline == 0 ||
		now-t.deadline < int64(p.opts.HeartbeatTimeout) {
		return Kill{}, false
	}
	t.err = context.DeadlineExceeded
	return Kill{KillOverdue, fmt.Sprintf("task %#x (kernel %s) ran %v past its deadline", running, t.kernel.name,
		time.Duration(now-t.deadline).Round(time.Millisecond))}, true
}
