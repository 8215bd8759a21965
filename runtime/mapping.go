package runtime

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"time"

	"github.com/shmrun/shmrun/internal/mono"
	"github.com/shmrun/shmrun/ring"
	"github.com/shmrun/shmrun/runtime/internal/wire"
)

// MapOptions configures Map and MapSeq. The zero value is valid.
type MapOptions struct {
	// Unordered delivers results as tasks finish instead of in input
	// order (MapSeq only: Map always fills its result slice by index).
	Unordered bool
	// Chunk is how many items go in one task. 0 chooses and adapts it so
	// that a task takes about TaskTime.
	Chunk int
	// TaskTime is the task duration automatic chunking aims at; default
	// 8 ms. Each result costs the master wake-ups, context switches and
	// bookkeeping, and when the workers keep every core busy that time is
	// taken from the kernels: tasks long enough hide it (BenchmarkMap
	// measures the map against a goroutine pool; BENCHMARKS.md has the
	// figures), short enough keep the load spread. The master handles
	// workers/TaskTime results a second. Near the end of a map whose
	// length is known, chunks shrink so that the last tasks still spread
	// over the workers.
	TaskTime time.Duration
	// InFlight bounds the tasks in flight for this map, its backpressure on
	// the input; default four times the number of workers (with the
	// capacity of the remote hosts, for a kernel declared Remote). With two tasks
	// queued behind the running one, a worker sends every other result
	// without waking the master (see the package documentation on quiet
	// results), which halves the master's work per task.
	InFlight int
	// ContinueOnError keeps the map going past failed items; their errors
	// are reported (MapSeq) or joined (Map). By default the first failure
	// stops the map.
	ContinueOnError bool
	// Progress, if set, is called after each finished task with the items
	// done so far and the total (-1 when the input is an iterator).
	Progress func(done, total int)
	// Timeout, if positive, is each task's deadline from its dispatch.
	Timeout time.Duration
}

// Item is one result of MapSeq: the value the kernel returned for the
// input at position Index.
type Item[R any] struct {
	Index int
	Value R
}

// Map runs the kernel over every item in parallel and returns the results
// in input order. It blocks until all are done, the first item fails
// (unless o.ContinueOnError, then the failed items' errors are joined as
// *ItemError and their results are zero), or ctx ends.
func Map[A, R any](ctx context.Context, p *Pool, k *Kernel[A, R], items []A, o *MapOptions) ([]R, error) {
	out := make([]R, len(items))
	var errs []error
	m := newMapper(p, k, o, len(items))
	err := m.run(ctx, slices.Values(items), func(idx int, v R, err error) bool {
		if err != nil {
			errs = append(errs, &ItemError{Index: idx, Err: err})
			return m.o.ContinueOnError
		}
		out[idx] = v
		return true
	})
	if err != nil {
		return out, err
	}
	return out, errors.Join(errs...)
}

// MapSeq runs the kernel over a sequence in parallel and yields its
// results, in input order unless o.Unordered. It reads the input only as
// fast as results are consumed (o.InFlight tasks ahead). The error of a
// yield is non-nil for a failed item (its Index is set; with
// o.ContinueOnError the sequence goes on) or for the map as a whole
// (ctx ended, pool closed; Index is -1), after which the sequence ends.
// Breaking out of the loop cancels what is still in flight.
func MapSeq[A, R any](ctx context.Context, p *Pool, k *Kernel[A, R], items iter.Seq[A], o *MapOptions) iter.Seq2[Item[R], error] {
	return func(yield func(Item[R], error) bool) {
		m := newMapper(p, k, o, -1)
		var ord *reorder[R]
		if !m.o.Unordered {
			ord = &reorder[R]{stopOnErr: !m.o.ContinueOnError}
		}
		stopped := false
		emit := func(idx int, v R, err error) bool {
			if err != nil {
				err = &ItemError{Index: idx, Err: err}
			}
			if ord == nil {
				stopped = !yield(Item[R]{idx, v}, err)
				return !stopped && (err == nil || m.o.ContinueOnError)
			}
			ok, failed := ord.add(idx, v, err, yield)
			stopped = !ok
			return ok && !failed
		}
		if ord != nil {
			m.backlog = func() int { return len(ord.ahead) }
		}
		if err := m.run(ctx, items, emit); err != nil && !stopped {
			yield(Item[R]{Index: -1}, err)
		}
	}
}

// mapper is the engine behind Map and MapSeq.
type mapper[A, R any] struct {
	p        *Pool
	k        *Kernel[A, R]
	o        MapOptions
	total    int
	chunk    int
	perItem  float64 // nanoseconds, smoothed
	sink     chan *task
	inflight []*task
	gens     []uint32
	items    int        // items in flight
	backlog  func() int // results held back for ordering, counted as in flight
	blob     []byte
	item     []byte
	done     int
	maxBlob  int
	idle     bool // the last non-blocking collect found nothing
	width    int  // how many tasks the pool runs at once, for this kernel
}

func newMapper[A, R any](p *Pool, k *Kernel[A, R], o *MapOptions, total int) *mapper[A, R] {
	m := &mapper[A, R]{p: p, k: k, total: total}
	if o != nil {
		m.o = *o
	}
	m.width = p.capacity(k.info.remote)
	if m.o.InFlight <= 0 {
		m.o.InFlight = 4 * m.width
	}
	if m.o.TaskTime <= 0 {
		m.o.TaskTime = 8 * time.Millisecond
	}
	m.chunk = m.o.Chunk
	if m.chunk <= 0 {
		m.chunk = 1
		if total > 0 {
			m.chunk = max(1, min(64, total/(8*m.width)))
		}
	}
	m.sink = make(chan *task, m.o.InFlight)
	m.maxBlob = ring.MaxFrame(p.opts.RingSize) / 2
	return m
}

// run reads the input, packs items into chunks and submits each chunk as a
// task, collecting finished tasks as it goes (and waiting for them when the
// budget of tasks in flight is spent), then drains what is left. It ranges
// over the input directly, so an item costs no coroutine switch. emit
// returns false to stop the map.
func (m *mapper[A, R]) run(ctx context.Context, items iter.Seq[A], emit func(int, R, error) bool) error {
	defer m.abandonAll()
	var err error
	stopped := false
	idx, first, n := 0, 0, 0
	m.blob = m.blob[:0]
	// Raw arguments go back to back, the strided layout: the codec then
	// is raw, whose Append is appendRaw.
	raw := m.k.arg.stride != 0
	for v := range items {
		mark := len(m.blob)
		if raw {
			m.blob = appendRaw(m.blob, v)
		} else {
			m.blob = appendItem(m.blob, m.k.args, m.k.argSize, v)
		}
		if n > 0 && len(m.blob) > m.maxBlob { // it starts the next chunk
			m.item = append(m.item[:0], m.blob[mark:]...)
			m.blob = m.blob[:mark]
			if err = m.submitChunk(ctx, first, n); err != nil {
				break
			}
			first, n = idx, 0
			m.blob = append(m.blob, m.item...)
			// A chunk cut short counts against InFlight like any other:
			// the results channel holds InFlight tasks, and a reader
			// that finds it full waits holding the pool's lock.
			if stopped, err = m.collectUntilRoom(ctx, emit); stopped || err != nil {
				break
			}
		}
		idx++
		if n++; n < m.chunk {
			continue
		}
		if err = m.submitChunk(ctx, first, n); err != nil {
			break
		}
		first, n = idx, 0
		if stopped, err = m.collectUntilRoom(ctx, emit); stopped || err != nil {
			break
		}
	}
	if err == nil && !stopped && n > 0 {
		err = m.submitChunk(ctx, first, n)
	}
	for err == nil && !stopped && len(m.inflight) > 0 {
		stopped, err = m.collectOne(ctx, emit, true)
	}
	return err
}

// collectUntilRoom collects finished tasks, without waiting while there is
// room for another chunk and waiting while there is none.
func (m *mapper[A, R]) collectUntilRoom(ctx context.Context, emit func(int, R, error) bool) (bool, error) {
	for {
		full := len(m.inflight) >= m.o.InFlight || !m.room()
		stopped, err := m.collectOne(ctx, emit, full)
		if stopped || err != nil || (!full && m.idle) {
			return stopped, err
		}
	}
}

// collectOne hands one finished task to emit. Without wait it returns at
// once (setting m.idle) when none is finished.
func (m *mapper[A, R]) collectOne(ctx context.Context, emit func(int, R, error) bool, wait bool) (bool, error) {
	m.idle = false
	if !wait {
		select {
		case t := <-m.sink:
			return !m.collect(t, emit), nil
		default:
			m.idle = true
			return false, nil
		}
	}
	select {
	case t := <-m.sink:
		return !m.collect(t, emit), nil
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

// room reports whether another chunk fits the backpressure budget of
// InFlight full chunks, counting results held back for ordering.
func (m *mapper[A, R]) room() bool {
	if m.backlog == nil {
		return true
	}
	return m.items+m.backlog()+m.chunk <= m.o.InFlight*m.chunk
}

// submitChunk submits the n items in m.blob, starting at index first.
func (m *mapper[A, R]) submitChunk(ctx context.Context, first, n int) error {
	var deadline int64
	if m.o.Timeout > 0 {
		deadline = mono.Now() + int64(m.o.Timeout)
	}
	t, gen, err := m.p.submit(ctx, submission{kernel: m.k.info, args: m.blob, items: uint32(n), stride: m.k.arg.stride, deadline: deadline, sink: m.sink})
	m.blob = m.blob[:0]
	if err != nil {
		return fmt.Errorf("map %s: %w", m.k.info.name, err)
	}
	m.p.mu.Lock()
	t.first = first
	m.p.mu.Unlock()
	m.inflight = append(m.inflight, t)
	m.gens = append(m.gens, gen)
	m.items += n
	return nil
}

// collect hands a finished task's items to emit, then frees the task.
func (m *mapper[A, R]) collect(t *task, emit func(int, R, error) bool) bool {
	for i, q := range m.inflight {
		if q == t {
			m.inflight = append(m.inflight[:i], m.inflight[i+1:]...)
			m.gens = append(m.gens[:i], m.gens[i+1:]...)
			break
		}
	}
	m.p.mu.Lock()
	t.state = taskClaimed
	first := t.first
	m.p.mu.Unlock()
	m.items -= int(t.items)
	ok := m.emitAll(t, first, emit)
	m.adapt(t)
	m.done += int(t.items)
	if m.o.Progress != nil {
		m.o.Progress(m.done, m.total)
	}
	m.p.mu.Lock()
	m.p.tasks.release(t)
	m.p.mu.Unlock()
	return ok
}

func (m *mapper[A, R]) emitAll(t *task, first int, emit func(int, R, error) bool) bool {
	var zero R
	if t.err != nil || t.status != wire.StatusOk {
		err := t.err
		if err == nil {
			err = taskError(m.k.info, t.status, t.errMsg)
		}
		for i := range int(t.items) {
			if !emit(first+i, zero, err) {
				return false
			}
		}
		return true
	}
	if m.k.plainValues(t.vals) { // completeLocked checked the length
		s := int(t.vals)
		for i := range int(t.items) {
			if !emit(first+i, loadRaw[R](t.values[i*s:]), nil) {
				return false
			}
		}
		return true
	}
	vals := wire.ValuesOf(t.values, t.vals)
	for i := range int(t.items) {
		st, b, err := vals.Next()
		var v R
		if err == nil {
			v, err = decodeOutcome(m.k.info, m.k.res, st, b)
		}
		if !emit(first+i, v, err) {
			return false
		}
	}
	return true
}

// adapt re-sizes chunks so that a task takes about TaskTime, from the
// measured time per item; it never lets one chunk hold more than its share
// of a known remainder, so that the last tasks still spread over workers.
func (m *mapper[A, R]) adapt(t *task) {
	if m.o.Chunk > 0 || t.items == 0 || t.end <= t.start {
		return
	}
	per := float64(t.end-t.start) / float64(t.items)
	if m.perItem == 0 {
		m.perItem = per
	} else {
		m.perItem = 0.7*m.perItem + 0.3*per
	}
	c := int(float64(m.o.TaskTime) / max(m.perItem, 1))
	if m.total > 0 {
		c = min(c, max(1, (m.total-m.done)/(2*m.width)))
	}
	m.chunk = max(1, min(c, 4096))
}

// abandonAll gives up on every task still in flight (the map stopped
// early); their slots are freed as they come back.
func (m *mapper[A, R]) abandonAll() {
	for i, t := range m.inflight {
		m.p.abandon(t, m.gens[i], nil)
	}
	m.inflight = m.inflight[:0]
}

// reorder buffers results that arrive ahead of their turn, so that an
// ordered map yields (and, without ContinueOnError, stops at) items in
// input order whatever order tasks finish in.
type reorder[R any] struct {
	next      int
	stopOnErr bool
	ahead     map[int]reordered[R]
}

type reordered[R any] struct {
	v   R
	err error
}

// add yields every result that is now in turn. It returns ok false when the
// consumer stopped, and failed true when it yielded an error that stops
// the map.
func (o *reorder[R]) add(idx int, v R, err error, yield func(Item[R], error) bool) (ok, failed bool) {
	if idx != o.next {
		if o.ahead == nil {
			o.ahead = map[int]reordered[R]{}
		}
		o.ahead[idx] = reordered[R]{v, err}
		return true, false
	}
	for {
		if !yield(Item[R]{o.next, v}, err) {
			return false, false
		}
		o.next++
		if err != nil && o.stopOnErr {
			return true, true
		}
		r, found := o.ahead[o.next]
		if !found {
			return true, false
		}
		delete(o.ahead, o.next)
		v, err = r.v, r.err
	}
}
