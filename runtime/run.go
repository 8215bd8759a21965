package runtime

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shmrun/shmrun/internal/mono"
	"github.com/shmrun/shmrun/runtime/internal/wire"
)

// runner runs tasks one at a time: the one place kernels run, in a worker
// process and in a goroutine worker alike. Its buffers are reused from
// task to task, so a steady state allocates nothing.
type runner struct {
	kernels map[uint64]*kernelInfo
	ctl     *control // the running word and the cancelled list
	ctx     *taskCtx
	env     Env
	values  wire.ValueWriter
	scratch []byte
	lastRun time.Duration // how long the last task's kernel ran
}

func newRunner(ctl *control, env Env) *runner {
	kernels, _ := freezeKernels()
	r := &runner{kernels: kernels, ctl: ctl, ctx: newTaskCtx(), env: env}
	r.ctx.waits = &waits{ctl: ctl}
	r.env.ctx = r.ctx
	return r
}

// run executes a task's items and returns its result, whose byte fields
// alias the runner's buffers until the next run. A task that was cancelled
// or is past its deadline before it starts does not run.
func (r *runner) run(t *wire.TaskMsg) wire.ResultMsg {
	res := wire.ResultMsg{ID: t.ID, Items: t.Items}
	k, ok := r.kernels[t.Kernel]
	switch {
	case !ok:
		res.Status, res.Error = wire.StatusError, fmt.Appendf(r.scratch[:0], "no kernel with id %#x in this worker", t.Kernel)
		return res
	case r.ctl.isCancelled(t.ID):
		res.Status, res.Error = wire.StatusCancelled, append(r.scratch[:0], "cancelled"...)
		return res
	case t.Deadline != 0 && mono.Now() >= t.Deadline:
		res.Status, res.Error = wire.StatusDeadline, append(r.scratch[:0], "deadline passed before the task started"...)
		return res
	}
	r.ctl.running.Store(t.ID)
	r.ctx.waits.reset()
	r.ctx.begin(t.ID, mono.Time(t.Deadline))
	r.env.task, r.env.attempt = t.ID, int(t.Attempt)
	res.Start = mono.Now()
	res.Values, res.Stride, res.Status, res.Error = r.items(k, t)
	res.End = mono.Now()
	res.Waits = r.ctx.waits.recorded()
	r.lastRun = time.Duration(res.End - res.Start)
	r.ctx.end()
	r.ctl.running.Store(0)
	return res
}

// items runs kernel k over the items of a task's args and returns their
// outcomes in the values layout they took (see wire.ValueWriter), or an
// error status and message for the whole task if the args are malformed.
func (r *runner) items(k *kernelInfo, t *wire.TaskMsg) ([]byte, uint32, wire.Status, []byte) {
	r.values.Reset(k.stride)
	args := wire.ItemsOf(t.Args, t.Stride)
	if err := k.run(&r.env, &args, t.Items, &r.values); err != nil {
		r.scratch = fmt.Append(r.scratch[:0], err)
		return nil, 0, wire.StatusError, r.scratch
	}
	return r.values.B, r.values.Stride(), wire.StatusOk, nil
}

// errorStatus is the status of an item whose kernel returned err: a
// kernel that gives up because its context ended says so by value, not
// only by its message.
func errorStatus(err error) wire.Status {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return wire.StatusDeadline
	case errors.Is(err, context.Canceled):
		return wire.StatusCancelled
	}
	return wire.StatusError
}
