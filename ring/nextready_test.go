package ring_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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

// The largest frame that ends exactly at the known tail passes.
func TestNextReadyFrameEndingAtTail(t *testing.T) {
	c, r, _ := oneOfThreeRead(t)
	r.Uint64s()[32+2] = 24 // frame 1 now runs to 48, the tail
	f, ok := c.NextReady()
	require.True(t, ok)
	assert.Len(t, f, 24)
}
