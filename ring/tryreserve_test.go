package ring_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/ring"
)

func TestTryReserveFastPathDelivers(t *testing.T) {
	p, c, _ := pair(t, 1024, nil)
	ctx := timeout(t, 10*time.Second)
	buf, ok := p.TryReserve(5)
	require.True(t, ok)
	require.Len(t, buf, 5)
	copy(buf, "hello")
	p.Commit(5)
	p.Flush()
	got, err := c.Next(ctx)
	require.NoError(t, err)
	assert.Equal(t, []byte("hello"), got)
}

// refused checks that TryReserve refuses n and leaves nothing pending.
func refused(t *testing.T, p *ring.Producer, n int) {
	t.Helper()
	buf, ok := p.TryReserve(n)
	assert.False(t, ok, "TryReserve(%d)", n)
	assert.Nil(t, buf)
	assert.Panics(t, func() { p.Commit(0) }, "a refused TryReserve leaves no frame pending")
}

func TestTryReserveRefusesBadSizes(t *testing.T) {
	p, _, _ := pair(t, 1024, nil)
	for _, n := range []int{-1, -8, -1 << 62, p.MaxFrame() + 1, 1 << 62} {
		refused(t, p, n)
	}
}

func TestTryReserveRefusesClosed(t *testing.T) {
	p, _, _ := pair(t, 1024, nil)
	p.Close()
	refused(t, p, 8)
	_, err := p.Reserve(context.Background(), 8)
	assert.ErrorIs(t, err, ring.ErrClosed)
}

// A frame past a quarter of the ring, past the lap's end (padding) or past
// the consumer's position goes to Reserve, which flushes, pads or waits.
func TestTryReserveLeavesSlowCasesToReserve(t *testing.T) {
	p, c, _ := pair(t, 1024, nil)
	ctx := timeout(t, 10*time.Second)
	_, ok := p.TryReserve(256)
	assert.False(t, ok, "a frame past a quarter of the ring waits for a flush")
	for range 2 { // 2 frames of 112 bytes
		_, ok := p.TryReserve(100)
		require.True(t, ok)
		p.Commit(100)
	}
	refused(t, p, 100) // the third would take the batch past a quarter
	_, ok, _ = c.TryNext()
	assert.False(t, ok, "TryReserve does not flush")
	_, err := p.Reserve(ctx, 100)
	require.NoError(t, err)
	p.Commit(100)
	p.Flush()
	for range 3 {
		_, err := c.Next(ctx)
		require.NoError(t, err)
	}
	c.Release()
	// 336 bytes written: 6 more frames of 112 reach 1008, a seventh needs padding
	for range 6 {
		buf, err := p.Reserve(ctx, 100)
		require.NoError(t, err)
		p.Commit(len(buf))
		p.Flush()
	}
	refused(t, p, 100) // would cross the end of the lap: Reserve pads
	buf, err := p.Reserve(ctx, 100)
	require.NoError(t, err)
	assert.Len(t, buf, 100)
}

func TestTryReserveRefusesFullRing(t *testing.T) {
	p, _, _ := pair(t, 1024, nil)
	ctx := timeout(t, 10*time.Second)
	for range 1024 / 64 { // frames of 64 bytes fill the ring exactly
		_, err := p.Reserve(ctx, 56)
		require.NoError(t, err)
		p.Commit(56)
		p.Flush()
	}
	refused(t, p, 0) // no byte is free until the consumer releases
}
