package runtime

import (
	"context"
	"sync"
	"time"
)

// taskCtx is the context of the task a worker runs. A worker runs one task
// at a time, so it reuses one taskCtx, and a new done channel is made only
// after a task was actually cancelled: steady-state tasks allocate nothing.
type taskCtx struct {
	mu       sync.Mutex
	done     chan struct{}
	err      error
	deadline time.Time
	task     uint64
	timer    *time.Timer
	waits    *waits // what Value(waitKey{}) returns: the worker's waits recorder
}

func newTaskCtx() *taskCtx {
	c := &taskCtx{done: make(chan struct{})}
	c.timer = time.AfterFunc(time.Hour, c.expire)
	c.timer.Stop()
	return c
}

// begin starts a new task with an optional deadline.
func (c *taskCtx) begin(task uint64, deadline time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		c.done = make(chan struct{})
		c.err = nil
	}
	c.task, c.deadline = task, deadline
	if !deadline.IsZero() {
		c.timer.Reset(time.Until(deadline))
	}
}

// end finishes the current task.
func (c *taskCtx) end() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.timer.Stop()
	c.task, c.deadline = 0, time.Time{}
}

// cancel cancels the context if task is the one running.
func (c *taskCtx) cancel(task uint64, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.task == task && task != 0 && c.err == nil {
		c.err = err
		close(c.done)
	}
}

func (c *taskCtx) expire() {
	c.mu.Lock()
	task := c.task
	dl := c.deadline
	c.mu.Unlock()
	if !dl.IsZero() && !time.Now().Before(dl) {
		c.cancel(task, context.DeadlineExceeded)
	}
}

func (c *taskCtx) Deadline() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.deadline, !c.deadline.IsZero()
}

func (c *taskCtx) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.done
}

func (c *taskCtx) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Value carries the worker's waits recorder, for the channels a kernel
// waits on; no other values.
func (c *taskCtx) Value(key any) any {
	if key == (waitKey{}) {
		return c.waits
	}
	return nil
}
