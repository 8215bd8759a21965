package runtime

import (
	"context"
	"math/rand/v2"
	"os"
	"strconv"

	"github.com/shmrun/shmrun/arena"
	"github.com/shmrun/shmrun/ring"
	"github.com/shmrun/shmrun/runtime/internal/wire"
)

// EnvChaosGarbage names a test facility: a worker whose environment sets it
// (through Options.Env, to a seed) misbehaves after some of its results, the
// way a worker with memory corruption could: it writes a frame of random
// bytes, a well-formed result for a task it does not hold, or random bytes
// over one of its rings, headers and shared words included. The master
// must notice, kill and replace it, and lose nothing. Production pools
// never set it.
const EnvChaosGarbage = "SHMRUN_CHAOS_GARBAGE"

type chaos struct {
	rng      *rand.Rand
	sub      arena.Region
	complete arena.Region
}

func newChaos(id int, sub, complete arena.Region) *chaos {
	seed, err := strconv.ParseUint(os.Getenv(EnvChaosGarbage), 10, 64)
	if err != nil {
		return nil
	}
	return &chaos{rng: rand.New(rand.NewPCG(seed, uint64(id)<<32|uint64(os.Getpid()))), sub: sub, complete: complete}
}

// strike misbehaves, or not, after a result was sent.
func (c *chaos) strike(out *ring.Producer, enc *wire.Encoder) {
	switch c.rng.IntN(8) {
	case 0: // a frame that is not a message
		junk := make([]byte, 1+c.rng.IntN(200))
		for i := range junk {
			junk[i] = byte(c.rng.Uint32())
		}
		out.Send(context.Background(), junk)
	case 1: // a well-formed result for a task this worker does not hold
		out.Send(context.Background(), enc.Result(wire.ResultMsg{ID: c.rng.Uint64(), Items: 1,
			Values: wire.AppendValue(nil, wire.StatusOk, []byte{1, 2, 3})}))
	case 2: // random bytes over the completion ring, headers and all
		c.scribble(c.complete.Bytes())
	case 3: // random bytes over the task ring's shared words and data
		c.scribble(c.sub.Bytes())
	}
}

func (c *chaos) scribble(b []byte) {
	start := c.rng.IntN(len(b))
	n := min(len(b)-start, 1+c.rng.IntN(4096))
	for i := start; i < start+n; i++ {
		b[i] = byte(c.rng.Uint32())
	}
	if c.rng.IntN(2) == 0 { // and the shared words at the start
		for i := range min(len(b), 256) {
			b[i] = byte(c.rng.Uint32())
		}
	}
}
