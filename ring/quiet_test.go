package ring_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/ring"
)

// A frame published with Publish wakes no sleeper; Wake, from another
// goroutine, does.
func TestPublishWakesNoOneUntilWake(t *testing.T) {
	noLostWakeups(t)
	a := newArena(t, 1<<20)
	r := newSPSC(t, a, "r", 4096)
	p, err := ring.NewProducer(r, &ring.Options{Spin: -1})
	require.NoError(t, err)
	c, err := ring.NewConsumer(r, &ring.Options{Spin: -1})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	got := make(chan string, 1)
	go func() {
		f, err := c.Next(ctx)
		if err != nil {
			got <- err.Error()
			return
		}
		got <- string(f)
	}()
	time.Sleep(50 * time.Millisecond) // the consumer is asleep
	buf, err := p.Reserve(ctx, 5)
	require.NoError(t, err)
	p.Commit(copy(buf, "quiet"))
	assert.True(t, p.Publish())
	assert.False(t, p.Publish(), "nothing left to publish")
	select {
	case s := <-got:
		t.Fatalf("a quiet frame woke the consumer: %q", s)
	case <-time.After(100 * time.Millisecond):
	}
	go p.Wake()
	select {
	case s := <-got:
		assert.Equal(t, "quiet", s)
	case <-ctx.Done():
		t.Fatal("Wake did not wake the consumer")
	}
}

func TestQueuedCountsCommittedFramesWithoutTakingThem(t *testing.T) {
	a := newArena(t, 1<<20)
	r := newSPSC(t, a, "r", 4096)
	p, err := ring.NewProducer(r, nil)
	require.NoError(t, err)
	c, err := ring.NewConsumer(r, nil)
	require.NoError(t, err)
	ctx := context.Background()
	assert.Zero(t, c.Queued(10))
	// Enough frames to wrap the ring, padding and all.
	for lap := range 3 {
		for i := range 5 {
			require.NoError(t, p.Send(ctx, make([]byte, 300+100*i)))
		}
		assert.Equal(t, 5, c.Queued(10), "lap %d", lap)
		assert.Equal(t, 3, c.Queued(3), "lap %d: up to max", lap)
		for i := range 5 {
			f, err := c.Next(ctx)
			require.NoError(t, err)
			assert.Len(t, f, 300+100*i)
			assert.Equal(t, 4-i, c.Queued(10), "lap %d: behind frame %d", lap, i)
		}
	}
	buf, err := p.Reserve(ctx, 8)
	require.NoError(t, err)
	p.Commit(copy(buf, "unpublis"))
	assert.Zero(t, c.Queued(10), "committed but not flushed")
	p.Flush()
	assert.Equal(t, 1, c.Queued(10))
}
