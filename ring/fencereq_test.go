package ring_test

import (
	"context"
	"encoding/binary"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/arena"
	"github.com/shmrun/shmrun/internal/fence"
	"github.com/shmrun/shmrun/ring"
)

// Offsets of the fence request words in an SPSC region (ring/spsc.go).
const (
	offConsumerRequest = 136
	offProducerRequest = 140
)

// fenceRequestPair opens both ends of a ring that polls for up to 20 ms
// before it sleeps, with a deadline for the test; it skips the test where
// the ring cannot use asymmetric fences (no fence requests there).
func fenceRequestPair(t *testing.T, capacity int) (*ring.Producer, *ring.Consumer, arena.Region, context.Context) {
	t.Helper()
	if err := fence.Register(); err != nil {
		t.Skip("no asymmetric fences here:", err)
	}
	p, c, r := pair(t, capacity, &ring.Options{Spin: 20 * time.Millisecond})
	return p, c, r, timeout(t, 10*time.Second)
}

// TestSPSCFenceRequest follows the consumer's fence request through the
// three phases of a ring whose consumer sometimes sleeps: a wait that
// sleeps raises it (the producer now fences each publication, and the
// consumer's later sleeps skip the system-wide barrier); a wait that
// polling ends withdraws it (publications go back to plain stores); and
// the next sleep raises it again. Every frame arrives, in order, through
// all three. TestSPSCHandshakeRace is what shows that no wake-up is lost
// on the way.
func TestSPSCFenceRequest(t *testing.T) {
	p, c, r, ctx := fenceRequestPair(t, 4096)
	req := (*atomic.Uint32)(unsafe.Pointer(&r.Bytes()[offConsumerRequest]))
	seq := uint64(0)
	// roundAfter sends the next frame after delay, from another goroutine,
	// while the consumer waits for it.
	roundAfter := func(delay time.Duration) {
		t.Helper()
		seq++
		sent := make(chan error, 1)
		go func(v uint64) {
			time.Sleep(delay)
			var b [8]byte
			binary.LittleEndian.PutUint64(b[:], v)
			sent <- p.Send(ctx, b[:])
		}(seq)
		f, err := c.Next(ctx)
		require.NoError(t, err)
		require.Equal(t, seq, binary.LittleEndian.Uint64(f))
		c.Release()
		require.NoError(t, <-sent)
	}
	roundAfter(200 * time.Millisecond) // far past the polling budget
	assert.EqualValues(t, 1, req.Load(), "a wait that slept raises the request")
	assert.EqualValues(t, 0, r.Bytes()[offProducerRequest], "the producer never waited")
	withdrawn := false
	for range 20 { // a loaded machine may make the sender late: retry
		roundAfter(50 * time.Microsecond)
		if withdrawn = req.Load() == 0; withdrawn {
			break
		}
	}
	assert.True(t, withdrawn, "a wait that polling ended withdraws the request")
	roundAfter(200 * time.Millisecond)
	assert.EqualValues(t, 1, req.Load(), "the next sleep raises it again")
}

// TestSPSCProducerFenceRequest is the same for the producer, which waits
// for room: a wait for room that sleeps raises its request, one that
// polling ends withdraws it.
func TestSPSCProducerFenceRequest(t *testing.T) {
	p, c, r, ctx := fenceRequestPair(t, 256)
	req := (*atomic.Uint32)(unsafe.Pointer(&r.Bytes()[offProducerRequest]))
	msg := make([]byte, ring.MaxFrame(256))
	// full sends a frame into a full ring while the consumer drains one
	// after delay.
	full := func(delay time.Duration) {
		t.Helper()
		for range 2 { // the ring holds two such frames
			require.NoError(t, p.Send(ctx, msg))
		}
		drained := make(chan error, 1)
		go func() {
			time.Sleep(delay)
			_, err := c.Next(ctx)
			c.Release()
			drained <- err
		}()
		require.NoError(t, p.Send(ctx, msg), "waits for room")
		require.NoError(t, <-drained)
		for range 2 { // empty the ring for the next round
			_, err := c.Next(ctx)
			require.NoError(t, err)
			c.Release()
		}
	}
	full(200 * time.Millisecond)
	assert.EqualValues(t, 1, req.Load(), "a wait for room that slept raises the request")
	withdrawn := false
	for range 20 {
		full(50 * time.Microsecond)
		if withdrawn = req.Load() == 0; withdrawn {
			break
		}
	}
	assert.True(t, withdrawn, "a wait that polling ended withdraws the request")
}
