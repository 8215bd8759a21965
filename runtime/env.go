package runtime

import (
	"context"

	"github.com/shmrun/shmrun/arena"
)

// Env is what a kernel gets besides its argument: the task's context and
// the shared arena. One Env serves a worker's tasks in turn; it and its
// context are valid only during the kernel call. A kernel must not keep
// either, nor hand them to a goroutine that outlives the call.
type Env struct {
	ctx     *taskCtx
	scope   *Scope
	worker  int
	task    uint64
	attempt int
}

// Context returns the task's context: it is cancelled when the task is
// cancelled or its deadline passes. Long kernels should check it.
func (e *Env) Context() context.Context { return e.ctx }

// Arena returns the pool's shared arena, attached in this process. Look
// regions up by name or resolve (offset, length) pairs with Arena.Slice.
func (e *Env) Arena() *arena.Arena { return e.scope.arena }

// Scope returns this process's scope of the pool, where Locals keep their
// values: a worker process's own, or, for a goroutine worker, the
// master's.
func (e *Env) Scope() *Scope { return e.scope }

// Worker returns the index of the worker running the kernel.
func (e *Env) Worker() int { return e.worker }

// Task returns the id of the running task.
func (e *Env) Task() uint64 { return e.task }

// Attempt returns 1 for a task's first run and one more for each time it
// was re-dispatched after its worker died.
func (e *Env) Attempt() int { return e.attempt }
