package ring_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/ring"
)

// NextReady hands out the frames below the tail the consumer knows and
// leaves the first read of a batch, which reads the tail, to Next.
func TestNextReadyWithinKnownBatch(t *testing.T) {
	p, c, _ := pair(t, 1024, nil)
	ctx := timeout(t, 10*time.Second)
	for _, m := range []string{"a", "bb", "ccc"} {
		buf, err := p.Reserve(ctx, len(m))
		require.NoError(t, err)
		p.Commit(copy(buf, m))
	}
	p.Flush()
	f, ok := c.NextReady()
	assert.False(t, ok, "the tail is not known yet")
	assert.Nil(t, f)
	f, err := c.Next(ctx)
	require.NoError(t, err)
	assert.Equal(t, []byte("a"), f)
	for _, m := range []string{"bb", "ccc"} {
		f, ok = c.NextReady()
		require.True(t, ok)
		assert.Equal(t, []byte(m), f)
	}
	_, ok = c.NextReady()
	assert.False(t, ok, "past the known tail")
	require.NoError(t, p.Send(ctx, []byte("d")))
	f, err = c.Next(ctx)
	require.NoError(t, err)
	assert.Equal(t, []byte("d"), f, "a refused NextReady changed nothing")
}

// A header changed below the known tail is refused by NextReady without
// consuming anything, and Next then reports it.
func TestNextReadyRefusesCorruptHeader(t *testing.T) {
	for name, h := range map[string]uint64{
		"one byte past the tail": 33, // frames 1 and 2 end at 48; 16+8+33 > 48
		"past the ring":          2000,
		"padding mid-ring":       8 | 1<<31,
		"all bits":               ^uint64(0),
		"wraps with its header":  ^uint64(0) - 7,
	} {
		t.Run(name, func(t *testing.T) {
			p, c, r := pair(t, 1024, nil)
			ctx := timeout(t, 10*time.Second)
			for range 3 {
				require.NoError(t, p.Send(ctx, []byte("ok")))
			}
			_, err := c.Next(ctx)
			require.NoError(t, err)
			r.Uint64s()[32+2] = h // frame 1's header, at data offset 16
			f, ok := c.NextReady()
			assert.False(t, ok)
			assert.Nil(t, f)
			_, err = c.Next(ctx)
			assert.ErrorIs(t, err, ring.ErrCorrupt)
			_, ok = c.NextReady()
			assert.False(t, ok, "closed once corrupt")
		})
	}
}

// The largest frame that ends exactly at the known tail passes.
func TestNextReadyFrameEndingAtTail(t *testing.T) {
	p, c, r := pair(t, 1024, nil)
	ctx := timeout(t, 10*time.Second)
	for range 3 {
		require.NoError(t, p.Send(ctx, []byte("ok")))
	}
	_, err := c.Next(ctx)
	require.NoError(t, err)
	r.Uint64s()[32+2] = 24 // frame 1 now runs to 48, the tail
	f, ok := c.NextReady()
	require.True(t, ok)
	assert.Len(t, f, 24)
}
