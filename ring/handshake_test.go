package ring_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/arena"
	"github.com/shmrun/shmrun/internal/spinwait"
	"github.com/shmrun/shmrun/ring"
)

func init() { children["answer-jittery"] = childAnswerJittery }

// jitter busy-waits for a random stretch of up to a microsecond or two, so
// that one side's sleep announcement lands at every distance from the
// other side's publishing store, the window that an unordered handshake
// loses a wake-up in.
func jitter(rng *rand.Rand) {
	for range rng.IntN(600) {
		jitterSink++
	}
}

var jitterSink int

// spinOrSleep is the waiting of one side of TestSPSCHandshakeRace: the
// sleeper sleeps as soon as it finds nothing, the other side answers at
// once from its spin.
func spinOrSleep(sleeper bool) *ring.Options {
	if sleeper {
		return &ring.Options{Spin: -1}
	}
	return &ring.Options{Spin: time.Millisecond}
}

func childAnswerJittery(a *arena.Arena) error {
	spinwait.SetMaxSleep(time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	o := spinOrSleep(envInt("CHILD_SLEEPS") != 0)
	in, out, err := echoEnds(a, o)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(3, 4))
	return echo(ctx, in, out, func() { jitter(rng) })
}

// TestSPSCHandshakeRace plays many short round trips between two
// processes, one of which sleeps on its futex whenever it waits while the
// other answers from a spin within a fraction of a microsecond, with a
// random pause between each send and the next wait: the sleeper's
// announcement keeps racing with the peer's publishing store and its look
// at the sleep word. Frames of up to 4 KiB keep that store waiting, for
// as long as a microsecond, behind the stores of the frame: the window in
// which the look may pass it. Sleeps last until a wake-up, so the one wake-up that
// the handshake loses (a publishing store without the fence the protocol
// needs, say) stalls the test until its deadline.
func TestSPSCHandshakeRace(t *testing.T) {
	n := 20_000
	if testing.Short() {
		n = 5_000
	}
	for _, childSleeps := range []bool{false, true} {
		t.Run(fmt.Sprint("child-sleeps=", childSleeps), func(t *testing.T) {
			noLostWakeups(t)
			a := newArena(t, 1<<20)
			o := spinOrSleep(!childSleeps)
			req, err := ring.NewProducer(newSPSC(t, a, "req", 64<<10), o)
			require.NoError(t, err)
			resp, err := ring.NewConsumer(newSPSC(t, a, "resp", 64<<10), o)
			require.NoError(t, err)
			cmd := startChild(t, a, "answer-jittery", fmt.Sprint("CHILD_SLEEPS=", map[bool]int{false: 0, true: 1}[childSleeps]))
			ctx := timeout(t, 20*time.Second)
			rng := rand.New(rand.NewPCG(5, 6))
			var msg [4096]byte
			for i := range uint64(n) {
				binary.LittleEndian.PutUint64(msg[:], i)
				require.NoError(t, req.Send(ctx, msg[:8+rng.IntN(len(msg)-8)]))
				jitter(rng)
				f, err := resp.Next(ctx)
				require.NoError(t, err, "round trip %d: a lost wake-up?", i)
				require.Equal(t, i, binary.LittleEndian.Uint64(f), "round trip %d", i)
			}
			req.Close()
			require.NoError(t, cmd.Wait())
		})
	}
}
