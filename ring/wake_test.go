package ring_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/arena"
	"github.com/shmrun/shmrun/internal/spinwait"
	"github.com/shmrun/shmrun/ring"
)

func init() {
	children["echo-sleepy"] = childEchoSleepy
}

// noLostWakeups makes every futex sleep in this process last until its
// context ends, so that a wake-up that the announce/re-check/sleep protocol
// loses shows up as a timeout instead of a hiccup of spinwait.DefaultMaxSleep.
func noLostWakeups(tb testing.TB) {
	old := spinwait.SetMaxSleep(time.Hour)
	tb.Cleanup(func() { spinwait.SetMaxSleep(old) })
}

// sleepyOptions alternates between sleeping at once and a spin of a few
// microseconds, so that wake-ups race with announcements in every way.
func sleepyOptions(i int) *ring.Options {
	if i%2 == 0 {
		return &ring.Options{Spin: -1}
	}
	return &ring.Options{Spin: 3 * time.Microsecond}
}

func childEchoSleepy(a *arena.Arena) error {
	spinwait.SetMaxSleep(time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	in, err := ring.NewConsumer(region(a, "req"), sleepyOptions(envInt("SPIN")))
	if err != nil {
		return err
	}
	out, err := ring.NewProducer(region(a, "resp"), sleepyOptions(envInt("SPIN")+1))
	if err != nil {
		return err
	}
	for {
		f, err := in.Next(ctx)
		if errors.Is(err, ring.ErrClosed) {
			out.Close()
			return nil
		}
		if err != nil {
			return err
		}
		if err := out.Send(ctx, f); err != nil {
			return err
		}
	}
}

// TestSPSCNoLostWakeupsCrossProcess streams frames through a child that
// echoes them, over rings so small that both producers keep sleeping on a
// full ring and both consumers on an empty one, in two processes, with
// sleeps that only a wake-up can end. A single lost wake-up stalls the
// stream until the context's deadline.
func TestSPSCNoLostWakeupsCrossProcess(t *testing.T) {
	n := 100_000
	if testing.Short() {
		n = 20_000
	}
	for spin := range 2 {
		t.Run(fmt.Sprint("spin=", spin), func(t *testing.T) {
			noLostWakeups(t)
			a := newArena(t, 1<<20)
			req, err := ring.NewProducer(newSPSC(t, a, "req", 1024), sleepyOptions(spin))
			require.NoError(t, err)
			resp, err := ring.NewConsumer(newSPSC(t, a, "resp", 1024), sleepyOptions(spin+1))
			require.NoError(t, err)
			cmd := startChild(t, a, "echo-sleepy", fmt.Sprint("SPIN=", spin))
			ctx := timeout(t, time.Minute)
			sent := make(chan error, 1)
			go func() { sent <- sendNumbered(ctx, req, n) }()
			for i := range n {
				f, err := resp.Next(ctx)
				require.NoError(t, err, "frame %d: a lost wake-up?", i)
				require.Equal(t, uint64(i), binary.LittleEndian.Uint64(f), "frame %d", i)
			}
			require.NoError(t, <-sent)
			_, err = resp.Next(ctx)
			require.ErrorIs(t, err, ring.ErrClosed, "the child closed its ring after ours")
			require.NoError(t, cmd.Wait())
		})
	}
}

// sendNumbered sends n frames of random length that start with their index,
// in random batches, then closes the ring.
func sendNumbered(ctx context.Context, p *ring.Producer, n int) error {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		buf, err := p.Reserve(ctx, 8+rng.IntN(200))
		if err != nil {
			return err
		}
		binary.LittleEndian.PutUint64(buf, uint64(i))
		p.Commit(len(buf))
		if rng.IntN(4) == 0 {
			p.Flush()
		}
	}
	p.Flush()
	p.Close()
	return nil
}
