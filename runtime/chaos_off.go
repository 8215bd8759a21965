//go:build !shmrun_faults

package runtime

import (
	"github.com/shmrun/shmrun/arena"
	"github.com/shmrun/shmrun/ring"
	"github.com/shmrun/shmrun/runtime/internal/wire"
)

// chaos is the garbage writer of fault-injection builds (chaos_faults.go);
// without the shmrun_faults tag there is none, and a worker never
// misbehaves on purpose.
type chaos struct{}

func newChaos(int, [3]arena.Region) *chaos { return nil }

func (*chaos) strike(*ring.Producer, *wire.Encoder, []byte) {}
