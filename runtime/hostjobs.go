package runtime

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"

	"github.com/shmrun/shmrun/arena"
	"github.com/shmrun/shmrun/internal/mono"
	"github.com/shmrun/shmrun/runtime/internal/wire"
)

// Installer fills a shared region on a host: dst is the region, in the
// host's arena, to receive the content whose SHA-256 is hash (package
// cluster fetches it from the JetStream Object Store). RunJob checks the
// hash of what it wrote.
type Installer func(ctx context.Context, name string, hash [32]byte, dst []byte) error

// ErrSharedChanged is returned, wrapped, by a host for a job that names
// a shared region it holds with other content: shared regions must not
// change once a task that names them was sent.
var ErrSharedChanged = errors.New("shmrun: shared region changed")

// hostJob is a master's job running on this pool, a host's.
type hostJob struct {
	id       uint64 // the master's task id
	received int64  // CLOCK_MONOTONIC, this machine's
	writes   []outBlock
	reply    func([]byte)
}

// jobServer runs a host's jobs: it keeps what RunJob made and a goroutine
// that answers the jobs as their tasks end.
type jobServer struct {
	p    *Pool
	sink chan *task

	mu      sync.Mutex
	running map[uint64]*task // by the master's task id

	install   sync.Mutex          // one installation of a shared region at a time
	installed map[string][32]byte // shared regions installed, by name; guarded by install
}

// jobServer returns the pool's job server, starting it with the first job.
func (p *Pool) jobServer() *jobServer {
	p.jobsOnce.Do(func() {
		// Every task in flight fits: a finished task never waits for
		// the answering goroutine while it holds the pool's lock.
		depth := p.opts.QueueDepth * (len(p.workers) + 1)
		p.jobs = &jobServer{p: p, sink: make(chan *task, depth), running: map[uint64]*task{}, installed: map[string][32]byte{}}
		p.wg.Add(1)
		go p.jobs.answer()
	})
	return p.jobs
}

// RunJob runs a job a master sent to this pool, a remote host's (package
// cluster carries jobs and answers between them). It makes the regions
// the job names (installing each shared one with install, the first time),
// copies in the bytes the task reads and submits the task to this pool's
// workers; it blocks while they all have Options.QueueDepth tasks, like
// Submit. Once the task has an outcome, reply gets the Done message for
// the master, with the bytes the task wrote; reply runs on a goroutine of
// the pool (or on RunJob's, for a job that cannot run), must be safe for
// concurrent use and must not block for long; its argument is valid only
// during the call. A job that
// cannot run here (an unknown kernel, a region that does not fit or does
// not install) is answered with the error. RunJob returns an error, and
// answers nothing, for bytes that are not a job. It may be called from
// several goroutines at once.
func (p *Pool) RunJob(ctx context.Context, job []byte, install Installer, reply func(done []byte)) error {
	received := mono.Now()
	var jm, tm wire.Msg
	if err := wire.Decode(job, &jm); err != nil {
		return err
	}
	if jm.Type != wire.MessageJob {
		return fmt.Errorf("%w: a %v message, not a job", wire.ErrMalformed, jm.Type)
	}
	if err := wire.Decode(jm.Job.Task, &tm); err != nil {
		return err
	}
	if tm.Type != wire.MessageTask {
		return fmt.Errorf("%w: a job holding a %v message", wire.ErrMalformed, tm.Type)
	}
	js := p.jobServer()
	hj := &hostJob{id: tm.Task.ID, received: received, reply: reply}
	s, err := js.prepare(ctx, &jm.Job, &tm.Task, hj, install)
	if err != nil {
		js.replyError(hj, err)
		return nil
	}
	t, _, err := p.submit(ctx, s)
	if err != nil {
		js.replyError(hj, err)
		return nil
	}
	js.mu.Lock()
	js.running[hj.id] = t
	js.mu.Unlock()
	return nil
}

// CancelJob cancels the job of the master's task id, if this pool runs
// it: a queued task does not run, a running kernel's context is cancelled,
// and the job is answered as cancelled (or with the result it had).
func (p *Pool) CancelJob(id uint64) {
	js := p.jobServer()
	js.mu.Lock()
	t := js.running[id]
	js.mu.Unlock()
	if t == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if t.job == nil || t.job.id != id {
		return // answered meanwhile, the slot reused
	}
	switch t.state {
	case taskQueued:
		p.unqueueLocked(t)
		t.status, t.errMsg = wire.StatusCancelled, append(t.errMsg[:0], "cancelled"...)
		p.finishLocked(t)
	case taskInflight:
		t.inc.live.cancel(t.id())
	}
}

// prepare turns a job into a submission: its kernel, its regions made
// and filled, the bytes it reads copied in, where its writes are.
func (js *jobServer) prepare(ctx context.Context, j *wire.JobMsg, t *wire.TaskMsg, hj *hostJob, install Installer) (submission, error) {
	kernels, _ := freezeKernels()
	k := kernels[t.Kernel]
	switch {
	case k == nil:
		return submission{}, fmt.Errorf("no kernel with id %#x on this host", t.Kernel)
	case !k.remote:
		return submission{}, fmt.Errorf("kernel %s is not declared Remote on this host", k.name)
	}
	var regions []arena.Region
	for rest := j.Regions; len(rest) > 0; {
		rec, next, err := wire.NextRegion(rest)
		if err != nil {
			return submission{}, err
		}
		r, err := js.region(ctx, rec, install)
		if err != nil {
			return submission{}, err
		}
		regions = append(regions, r)
		rest = next
	}
	input := j.Input
	err := eachBlock(j.Reads, regions, func(o outBlock) error {
		if uint64(len(input)) < o.b.Bytes() {
			return fmt.Errorf("%w: a job's input ends within its reads", wire.ErrMalformed)
		}
		input = copyBlockBytes(o.mem, o.b, input)
		return nil
	})
	if err == nil && len(input) != 0 {
		err = fmt.Errorf("%w: %d bytes of a job's input past its reads", wire.ErrMalformed, len(input))
	}
	if err == nil {
		err = eachBlock(j.Writes, regions, func(o outBlock) error {
			hj.writes = append(hj.writes, o)
			return nil
		})
	}
	if err != nil {
		return submission{}, err
	}
	s := submission{kernel: k, args: t.Args, items: t.Items, stride: t.Stride, sink: js.sink, job: hj}
	if j.Timeout > 0 {
		s.deadline = hj.received + j.Timeout
	}
	return s, nil
}

// eachBlock resolves every block record of blocks against the job's
// regions, checking it lies inside its region, and calls fn with it.
func eachBlock(blocks []byte, regions []arena.Region, fn func(outBlock) error) error {
	for rest := blocks; len(rest) > 0; {
		b, next, err := wire.NextBlock(rest)
		if err != nil {
			return err
		}
		if int(b.Region) >= len(regions) || b.End() > uint64(regions[b.Region].Len()) {
			return fmt.Errorf("%w: block %+v outside the job's regions", wire.ErrMalformed, b)
		}
		if err := fn(outBlock{mem: regions[b.Region].Bytes(), b: b}); err != nil {
			return err
		}
		rest = next
	}
	return nil
}

// region returns the region a job's record names, allocating it at the
// master's size the first time, and installing a shared region's content.
func (js *jobServer) region(ctx context.Context, rec wire.Region, install Installer) (arena.Region, error) {
	a, name := js.p.arena, string(rec.Name)
	shared := len(rec.Hash) == wire.HashSize
	js.install.Lock()
	defer js.install.Unlock()
	r, err := a.Region(name)
	if errors.Is(err, arena.ErrNotFound) {
		r, err = a.Alloc(name, int(min(rec.Size, 1<<50)), arena.Kind(rec.Kind))
	}
	switch {
	case err != nil:
		return r, fmt.Errorf("region %q: %w", name, err)
	case uint64(r.Len()) != rec.Size:
		return r, fmt.Errorf("region %q holds %d bytes here, %d on the master", name, r.Len(), rec.Size)
	case !shared:
		return r, nil
	}
	hash := [32]byte(rec.Hash)
	if have, ok := js.installed[name]; ok {
		if have != hash {
			return r, fmt.Errorf("%w: %q, installed as %x, now %x", ErrSharedChanged, name, have[:8], hash[:8])
		}
		return r, nil
	}
	if install == nil {
		return r, fmt.Errorf("shared region %q: this host has no installer", name)
	}
	if err := install(ctx, name, hash, r.Bytes()); err != nil {
		return r, fmt.Errorf("shared region %q: %w", name, err)
	}
	if got := sha256.Sum256(r.Bytes()); got != hash {
		return r, fmt.Errorf("shared region %q: installed content hashes to %x, not %x", name, got[:8], hash[:8])
	}
	js.installed[name] = hash
	return r, nil
}

// answer sends each finished job's Done, until the pool closes.
func (js *jobServer) answer() {
	defer js.p.wg.Done()
	enc, resEnc := wire.NewEncoder(), wire.NewEncoder()
	var out []byte
	for {
		select {
		case t := <-js.sink:
			out = js.answerTask(t, enc, resEnc, out[:0])
		case <-js.p.stopWatch:
			return
		}
	}
}

// answerTask answers the job of a finished task and frees the task.
func (js *jobServer) answerTask(t *task, enc, resEnc *wire.Encoder, out []byte) []byte {
	p := js.p
	p.mu.Lock()
	t.state = taskClaimed
	hj := t.job
	p.mu.Unlock()
	js.mu.Lock()
	if js.running[hj.id] == t {
		delete(js.running, hj.id)
	}
	js.mu.Unlock()
	if !errors.Is(t.err, ErrClosed) { // a closing host answers nothing: the master runs it elsewhere
		r := wire.ResultMsg{ID: hj.id, Status: t.status, Error: t.errMsg, Items: t.items, Values: t.values, Stride: t.vals}
		if t.end > 0 {
			r.Start, r.End = max(t.start-hj.received, 0), max(t.end-hj.received, 0)
		}
		if t.err != nil {
			r.Status, r.Error, r.Values = failure(t.err)
			r.Stride = 0
		}
		if r.Status == wire.StatusOk {
			for _, o := range hj.writes {
				out = appendBlockBytes(out, o.mem, o.b)
			}
		}
		held := mono.Now() - hj.received
		r.Start, r.End = min(r.Start, held), min(r.End, held)
		res := resEnc.Result(r)
		hj.reply(enc.Done(wire.DoneMsg{Result: res, Held: held, Output: out}))
	}
	p.mu.Lock()
	p.tasks.release(t)
	p.mu.Unlock()
	return out
}

// replyError answers a job that cannot run with err.
func (js *jobServer) replyError(hj *hostJob, err error) {
	enc := wire.NewEncoder()
	res := enc.Result(wire.ResultMsg{ID: hj.id, Status: wire.StatusError, Error: []byte(err.Error())})
	hj.reply(wire.NewEncoder().Done(wire.DoneMsg{Result: res, Held: mono.Now() - hj.received}))
}

// failure is the status and message of a task the host's pool failed
// itself: a crash becomes a crash record, a deadline its status.
func failure(err error) (wire.Status, []byte, []byte) {
	var ce *CrashError
	switch {
	case errors.As(err, &ce):
		lines := make([][]byte, len(ce.Stderr))
		for i, l := range ce.Stderr {
			lines[i] = []byte(l)
		}
		e := ce.Exit
		return wire.StatusCrashed, wire.AppendCrash(nil, wire.Crash{Attempts: uint32(ce.Attempts), Worker: uint32(e.Worker),
			PID: int64(e.PID), Cause: uint8(e.Cause), KillReason: uint8(e.Kill.Reason), KillDetail: []byte(e.Kill.Detail),
			Signal: uint32(e.Signal), Status: int64(e.Status), Stderr: lines}), nil
	case errors.Is(err, context.DeadlineExceeded):
		return wire.StatusDeadline, []byte(err.Error()), nil
	case errors.Is(err, ErrCancelled):
		return wire.StatusCancelled, []byte(err.Error()), nil
	}
	return wire.StatusError, []byte(err.Error()), nil
}
