package runtime

import (
	"context"
	"fmt"
	"sync"

	"github.com/shmrun/shmrun/runtime/internal/wire"
)

// localBackend runs each worker as a goroutine of the master: the same
// kernels, tasks and futures as worker processes, with no fault isolation.
// Its incarnations never die, so they are never replaced.
type localBackend struct{ p *Pool }

// localLive is a goroutine worker, fed through a channel. Its control
// block is private memory, used as a worker process uses its own in the
// arena: the running word and the list of cancelled tasks.
type localLive struct {
	inc   *incarnation
	inbox chan *task
	ctl   control
	r     *runner
	once  sync.Once
}

func (b localBackend) start(inc *incarnation) error {
	l := &localLive{inc: inc, inbox: make(chan *task, b.p.opts.QueueDepth)}
	l.r = newRunner(&l.ctl, Env{scope: b.p.scope, worker: inc.w.id})
	inc.live = l
	inc.publish()
	b.p.wg.Add(1)
	go l.loop(b.p)
	b.p.ready(inc)
	return nil
}

func (localBackend) watch(<-chan struct{}) {}

func (l *localLive) loop(p *Pool) {
	defer p.wg.Done()
	defer close(l.inc.exited)
	for t := range l.inbox {
		r := l.r.run(&wire.TaskMsg{ID: t.id(), Kernel: t.kernel.id, Attempt: t.attempt,
			Deadline: t.deadline, Items: t.items, Args: t.args, Stride: t.stride})
		if err := p.complete(l.inc, &r); err != nil {
			panic(fmt.Sprintf("shmrun: goroutine worker %d: %v", l.inc.w.id, err)) // a bug in shmrun itself
		}
	}
}

// send never blocks: a worker is given at most QueueDepth tasks.
func (l *localLive) send(t *task) { l.inbox <- t }

func (l *localLive) cancel(id uint64) {
	l.ctl.markCancelled(id)
	l.r.ctx.cancel(id, context.Canceled)
}

func (l *localLive) stop(bool) { l.once.Do(func() { close(l.inbox) }) }

// kill cannot end a goroutine; nothing asks it to (no goroutine worker is
// ever found dead).
func (l *localLive) kill() {}

func (l *localLive) shutdown() {}

func (l *localLive) running() uint64 { return l.ctl.running.Load() }

func (l *localLive) output(int) []string { return nil }

func (l *localLive) waiting() (string, int64) { return l.ctl.waiting() }
