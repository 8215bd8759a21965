//go:build shmrun_faults

package runtime

import (
	"context"
	"math/rand/v2"
	"os"
	"strconv"
	"unsafe"

	"github.com/shmrun/shmrun/arena"
	"github.com/shmrun/shmrun/ring"
	"github.com/shmrun/shmrun/runtime/internal/wire"
)

// EnvChaosGarbage names a test facility that exists only in builds with
// the shmrun_faults tag (make test and make chaos build their tests so; a
// plain go build has no such code): a worker whose environment sets it
// (through Options.Env, to a seed) misbehaves after some of its results,
// the way a worker with memory corruption could: it sends a frame of
// random bytes or a well-formed result for a task it does not hold, or it
// writes random bytes over one of its rings (shared words and frame
// headers included), over its control block (heartbeat, running task,
// cancel words), or over the task frame it holds and what follows it. The
// master must notice what matters, kill and replace the worker, and lose
// nothing.
const EnvChaosGarbage = "SHMRUN_CHAOS_GARBAGE"

type chaos struct {
	rng      *rand.Rand
	sub      arena.Region
	complete arena.Region
	control  arena.Region
}

// newChaos returns the garbage writer of worker id, whose regions are its
// task ring, completion ring and control block; nil unless the environment
// asks for one.
func newChaos(id int, regions [3]arena.Region) *chaos {
	seed, err := strconv.ParseUint(os.Getenv(EnvChaosGarbage), 10, 64)
	if err != nil {
		return nil
	}
	return &chaos{rng: rand.New(rand.NewPCG(seed, uint64(id)<<32|uint64(os.Getpid()))),
		sub: regions[0], complete: regions[1], control: regions[2]}
}

// strike misbehaves, or not, after the result of the task in held (a frame
// of the task ring, still held) was sent.
func (c *chaos) strike(out *ring.Producer, enc *wire.Encoder, held []byte) {
	switch c.rng.IntN(10) {
	case 0: // a frame that is not a message
		junk := make([]byte, 1+c.rng.IntN(200))
		c.fill(junk)
		out.Send(context.Background(), junk)
	case 1: // a well-formed result for a task this worker does not hold
		out.Send(context.Background(), enc.Result(wire.ResultMsg{ID: c.rng.Uint64(), Items: 1,
			Values: wire.AppendValue(nil, wire.StatusOk, []byte{1, 2, 3})}))
	case 2: // random bytes over the completion ring, headers and all
		c.scribble(c.complete.Bytes())
	case 3: // random bytes over the task ring's shared words and data
		c.scribble(c.sub.Bytes())
	case 4: // random bytes over the control block
		c.fill(c.control.Bytes())
	case 5: // over the held frame's header and payload, and past them
		c.scribbleFrame(held)
	}
}

func (c *chaos) scribble(b []byte) {
	start := c.rng.IntN(len(b))
	c.fill(b[start : start+min(len(b)-start, 1+c.rng.IntN(4096))])
	if c.rng.IntN(2) == 0 { // and the shared words at the start
		c.fill(b[:min(len(b), 256)])
	}
}

// scribbleFrame writes over a frame of the task ring, from its 8-byte
// header on, and up to 256 bytes past its end.
func (c *chaos) scribbleFrame(frame []byte) {
	b := c.sub.Bytes()
	if len(frame) == 0 || len(b) == 0 {
		return
	}
	off := int(uintptr(unsafe.Pointer(unsafe.SliceData(frame))) - uintptr(unsafe.Pointer(unsafe.SliceData(b))))
	if off < 8 || off+len(frame) > len(b) {
		return // not a frame of this ring
	}
	start := off - 8
	c.fill(b[start : start+min(len(b)-start, 8+len(frame)+c.rng.IntN(256))])
}

func (c *chaos) fill(b []byte) {
	for i := range b {
		b[i] = byte(c.rng.Uint32())
	}
}
