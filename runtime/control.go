package runtime

import (
	"encoding/binary"
	"math"
	"sync/atomic"
	"unicode/utf8"
	"unsafe"

	"github.com/shmrun/shmrun/arena"
	"github.com/shmrun/shmrun/internal/futex"
	"github.com/shmrun/shmrun/runtime/internal/wire"
)

// kindControl tags a worker's control block region ("RCTL").
const kindControl arena.Kind = 0x4c54_4352

// control is a worker's control block in the arena: the words through which
// master and worker talk outside the task rings. Each word one side writes
// sits on its own cache line.
type control struct {
	// running is the id of the task the worker executes, 0 when idle. The
	// worker writes it; the master reads it when the worker dies, to blame
	// the right task.
	running atomic.Uint64
	_       [56]byte
	// heartbeat is the worker's CLOCK_MONOTONIC time, refreshed by a
	// goroutine of its own while the process is scheduled; a stopped
	// process stops refreshing it.
	heartbeat atomic.Int64
	_         [56]byte
	// cancelSeq counts cancellations; the worker's watcher sleeps on it.
	cancelSeq atomic.Uint32
	_         [4]byte
	// idleBeat is how often an idle worker refreshes its heartbeat, in
	// nanoseconds: the master writes it before the worker starts.
	idleBeat atomic.Int64
	_        [48]byte
	// cancelled holds the ids of recently cancelled tasks, written by the
	// master at cancelSeq % len before it bumps cancelSeq.
	cancelled [cancelSlots]atomic.Uint64
	// waitSince is when the running kernel began to wait on a channel
	// (CLOCK_MONOTONIC), 0 while it does not wait; waitName holds the
	// channel's name, a length byte first. The worker writes both; the
	// master reads them for Stats, and trusts neither.
	waitSince atomic.Int64
	waitName  [waitNameWords]atomic.Uint64
}

// waitNameWords is how many words hold a wait's name: a length byte and up
// to wire.MaxWaitName bytes.
const waitNameWords = (1 + wire.MaxWaitName + 7) / 8

const cancelSlots = 32

const controlSize = int(unsafe.Sizeof(control{}))

// controlAt views a region as a control block. The region is at least
// controlSize bytes and 64-byte aligned (arena regions are).
func controlAt(r arena.Region) *control {
	return (*control)(unsafe.Pointer(&r.Bytes()[0]))
}

// reset clears the block for a new worker.
func (c *control) reset() {
	c.running.Store(0)
	c.heartbeat.Store(0)
	c.waitSince.Store(0)
	for i := range c.cancelled {
		c.cancelled[i].Store(0)
	}
}

// markCancelled lists task among the recently cancelled, for the worker's
// next look (a queued task is then skipped). Calls are serialized by the
// caller (the pool's lock).
func (c *control) markCancelled(task uint64) {
	seq := c.cancelSeq.Load()
	c.cancelled[seq%cancelSlots].Store(task)
	c.cancelSeq.Add(1)
}

// cancel lists task as cancelled and wakes the worker's watcher, which
// sleeps on the counter and cancels the kernel's context if the task is
// running.
func (c *control) cancel(task uint64) {
	c.markCancelled(task)
	wakeAll(&c.cancelSeq)
}

// isCancelled reports whether task is among the recently cancelled.
func (c *control) isCancelled(task uint64) bool {
	for i := range c.cancelled {
		if c.cancelled[i].Load() == task {
			return true
		}
	}
	return false
}

// wakeAll wakes every sleeper on a futex word.
func wakeAll(word *atomic.Uint32) { futex.Wake(word, math.MaxInt32) }

// setWait records that the running kernel waits on the named channel
// since the given time; since 0 ends the wait.
func (c *control) setWait(name string, since int64) {
	if since != 0 {
		var b [waitNameWords * 8]byte
		b[0] = byte(copy(b[1:], name))
		for i := range c.waitName {
			c.waitName[i].Store(binary.LittleEndian.Uint64(b[8*i:]))
		}
	}
	c.waitSince.Store(since)
}

// waiting returns the channel the running kernel waits on and since when,
// or since 0. A name that no worker would write reads as "?".
func (c *control) waiting() (string, int64) {
	since := c.waitSince.Load()
	if since <= 0 {
		return "", 0
	}
	var b [waitNameWords * 8]byte
	for i := range c.waitName {
		binary.LittleEndian.PutUint64(b[8*i:], c.waitName[i].Load())
	}
	n := int(b[0])
	if n > wire.MaxWaitName || !utf8.Valid(b[1:1+n]) {
		return "?", since
	}
	return string(b[1 : 1+n]), since
}
