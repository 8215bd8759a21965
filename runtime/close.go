package runtime

import (
	"context"
	"fmt"

	"github.com/shmrun/shmrun/internal/mono"
)

// Close shuts the pool down. It accepts no new tasks, lets the tasks in
// flight finish (re-running any whose worker dies meanwhile), then closes
// the workers' task rings so that they exit, and unmaps the arena. If ctx
// ends first, Close kills the workers, fails the unfinished tasks with
// ErrClosed and returns ctx's error. A second call waits for the first.
// Views of the arena are invalid after Close.
func (p *Pool) Close(ctx context.Context) error {
	p.mu.Lock()
	if p.closing {
		done := p.closed
		p.mu.Unlock()
		<-done
		return nil
	}
	p.closing = true
	p.freedLocked() // blocked submitters wake up and see closing
	var idle chan struct{}
	if p.active > 0 {
		idle = make(chan struct{})
		p.idle = idle
	}
	p.mu.Unlock()
	var err error
	if idle != nil {
		select {
		case <-idle:
		case <-ctx.Done():
			err = fmt.Errorf("shmrun: close: %w", ctx.Err())
		}
	}
	p.mu.Lock()
	p.stopping = true
	p.mu.Unlock()
	p.timelineOpenWaits()
	close(p.stopWatch)
	for _, w := range p.allSlots() {
		w.stop(err != nil)
	}
	p.awaitExit(ctx)
	p.wg.Wait()
	p.failLeftovers()
	p.scope.close()
	if p.tl != nil {
		if werr := p.tl.write(p.opts.Timeline); werr != nil && err == nil {
			err = werr
		}
	}
	if cerr := p.arena.Close(); cerr != nil && err == nil {
		err = cerr
	}
	close(p.closed)
	return err
}

// awaitExit waits for every worker process to exit, and kills those still
// running when ctx ends.
func (p *Pool) awaitExit(ctx context.Context) {
	for _, w := range p.allSlots() {
		inc := w.cur.Load()
		if inc == nil {
			continue
		}
		select {
		case <-inc.exited:
		case <-ctx.Done():
			p.kill()
			<-inc.exited
		}
	}
}

// failLeftovers fails whatever is still queued once no worker remains.
func (p *Pool) failLeftovers() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, t := range p.pending {
		t.err = ErrClosed
		p.finishLocked(t)
	}
	p.pending = nil
	for _, t := range p.tasks.all {
		if t.state == taskInflight {
			t.err = ErrClosed
			p.finishLocked(t)
		}
	}
}

// timelineOpenWaits puts on the timeline the waits on channels that are
// still under way as the pool closes: kernels that a pipeline left blocked.
func (p *Pool) timelineOpenWaits() {
	if p.tl == nil {
		return
	}
	now := mono.Now()
	for _, w := range p.workers {
		if inc := w.cur.Load(); inc.isReady() {
			if name, since := inc.live.waiting(); since > 0 && since < now {
				p.tl.wait(w.id, name+" (still waiting at Close)", since, now)
			}
		}
	}
}
