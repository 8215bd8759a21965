package ring_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/arena"
	"github.com/shmrun/shmrun/ring"
)

func init() {
	children["produce"] = childProduce
	children["close-producer"] = childCloseProducer
	children["blocked-producer"] = childBlockedProducer
	children["mpmc-push"] = childMPMCPush
	children["mpmc-pop"] = childMPMCPop
}

// randomFrame fills a frame of random length: index, random bytes, CRC.
func randomFrame(rng *rand.PCG, i uint64, buf []byte) []byte {
	n := 12 + int(rng.Uint64()%244)
	f := buf[:n]
	binary.LittleEndian.PutUint64(f, i)
	for j := 8; j+8 <= n-4; j += 8 {
		binary.LittleEndian.PutUint64(f[j:], rng.Uint64())
	}
	binary.LittleEndian.PutUint32(f[n-4:], crc32.ChecksumIEEE(f[:n-4]))
	return f
}

func childProduce(a *arena.Arena) error {
	p, err := ring.NewProducer(region(a, "r"), nil)
	if err != nil {
		return err
	}
	rng := rand.NewPCG(uint64(envInt("SEED")), 1)
	ctx := context.Background()
	var buf [256]byte
	for i := range uint64(envInt("N")) {
		f := randomFrame(rng, i, buf[:])
		dst, err := p.Reserve(ctx, len(f))
		if err != nil {
			return err
		}
		copy(dst, f)
		p.Commit(len(f))
		if rng.Uint64()%16 == 0 {
			p.Flush()
		}
	}
	p.Flush()
	p.Close()
	return nil
}

func TestSPSCCrossProcessMillions(t *testing.T) {
	n := 2_000_000
	if testing.Short() {
		n = 200_000
	}
	a := newArena(t, 1<<20)
	r := newSPSC(t, a, "r", 64<<10)
	c, err := ring.NewConsumer(r, nil)
	require.NoError(t, err)
	cmd := startChild(t, a, "produce", fmt.Sprint("N=", n), "SEED=42")
	ctx := timeout(t, 2*time.Minute)
	for i := range uint64(n) {
		f, err := c.Next(ctx)
		require.NoError(t, err, "frame %d", i)
		require.GreaterOrEqual(t, len(f), 12)
		if got := binary.LittleEndian.Uint64(f); got != i {
			require.Equal(t, i, got, "frame order")
		}
		if crc32.ChecksumIEEE(f[:len(f)-4]) != binary.LittleEndian.Uint32(f[len(f)-4:]) {
			require.Fail(t, "checksum", "frame %d of %d bytes", i, len(f))
		}
	}
	_, err = c.Next(ctx)
	assert.ErrorIs(t, err, ring.ErrClosed)
	require.NoError(t, cmd.Wait())
}

func childCloseProducer(a *arena.Arena) error {
	p, err := ring.NewProducer(region(a, "r"), nil)
	if err != nil {
		return err
	}
	time.Sleep(50 * time.Millisecond)
	p.Close()
	return nil
}

func TestSPSCCloseWakesPeerProcess(t *testing.T) {
	a := newArena(t, 1<<20)
	r := newSPSC(t, a, "r", 1024)
	c, err := ring.NewConsumer(r, &ring.Options{Spin: -1})
	require.NoError(t, err)
	cmd := startChild(t, a, "close-producer")
	_, err = c.Next(timeout(t, 10*time.Second))
	assert.ErrorIs(t, err, ring.ErrClosed, "woken by the other process's close")
	require.NoError(t, cmd.Wait())
}

func childBlockedProducer(a *arena.Arena) error {
	p, err := ring.NewProducer(region(a, "r"), &ring.Options{Spin: -1})
	if err != nil {
		return err
	}
	for {
		err := p.Send(context.Background(), make([]byte, 100))
		if errors.Is(err, ring.ErrClosed) {
			return nil // the parent closed the ring while we slept on a full ring
		}
		if err != nil {
			return err
		}
	}
}

func TestSPSCCloseWakesBlockedProducerProcess(t *testing.T) {
	a := newArena(t, 1<<20)
	r := newSPSC(t, a, "r", 1024)
	c, err := ring.NewConsumer(r, nil)
	require.NoError(t, err)
	cmd := startChild(t, a, "blocked-producer")
	time.Sleep(100 * time.Millisecond) // the ring fills and the child sleeps
	c.Close()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		assert.NoError(t, err, "the child saw ErrClosed")
	case <-time.After(10 * time.Second):
		t.Fatal("the blocked producer process was not woken")
	}
}

const mpmcMsg = 64

func childMPMCPush(a *arena.Arena) error {
	q, err := ring.OpenMPMC(region(a, "q"), nil)
	if err != nil {
		return err
	}
	id, n := uint64(envInt("ID")), envInt("N")
	msg := make([]byte, mpmcMsg)
	for i := range n {
		binary.LittleEndian.PutUint64(msg, id*uint64(n)+uint64(i))
		size := 8 + i%(mpmcMsg-7)
		if err := q.Push(context.Background(), msg[:size]); err != nil {
			return err
		}
	}
	return nil
}

func childMPMCPop(a *arena.Arena) error {
	q, err := ring.OpenMPMC(region(a, "q"), nil)
	if err != nil {
		return err
	}
	seen := region(a, "seen").Uint32s()
	buf := make([]byte, 0, mpmcMsg)
	for {
		msg, err := q.Pop(context.Background(), buf)
		if errors.Is(err, ring.ErrClosed) {
			return nil
		}
		if err != nil {
			return err
		}
		k := binary.LittleEndian.Uint64(msg)
		if k >= uint64(len(seen)) {
			return fmt.Errorf("item %d out of range", k)
		}
		atomic.AddUint32(&seen[k], 1)
	}
}

func TestMPMCTwoProducerAndTwoConsumerProcesses(t *testing.T) {
	n := 200_000
	if testing.Short() {
		n = 50_000
	}
	a := newArena(t, 8<<20)
	q, err := a.Alloc("q", ring.MPMCSize(256, mpmcMsg), ring.KindMPMC)
	require.NoError(t, err)
	require.NoError(t, ring.InitMPMC(q, 256, mpmcMsg))
	seen, err := a.Alloc("seen", 4*2*n, arena.KindBytes)
	require.NoError(t, err)
	queue, err := ring.OpenMPMC(q, nil)
	require.NoError(t, err)

	pop1 := startChild(t, a, "mpmc-pop")
	pop2 := startChild(t, a, "mpmc-pop")
	push1 := startChild(t, a, "mpmc-push", "ID=0", fmt.Sprint("N=", n))
	push2 := startChild(t, a, "mpmc-push", "ID=1", fmt.Sprint("N=", n))
	require.NoError(t, push1.Wait())
	require.NoError(t, push2.Wait())
	queue.Close()
	require.NoError(t, pop1.Wait())
	require.NoError(t, pop2.Wait())

	var lost, dup int
	for _, c := range seen.Uint32s()[:2*n] {
		switch {
		case c == 0:
			lost++
		case c > 1:
			dup++
		}
	}
	assert.Zero(t, lost, "lost items")
	assert.Zero(t, dup, "duplicated items")
	assert.Zero(t, queue.Len())
}
