package ring_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/arena"
	"github.com/shmrun/shmrun/ring"
)

func pair(t *testing.T, capacity int, o *ring.Options) (*ring.Producer, *ring.Consumer, arena.Region) {
	t.Helper()
	a := newArena(t, 1<<20)
	r := newSPSC(t, a, "r", capacity)
	p, err := ring.NewProducer(r, o)
	require.NoError(t, err)
	c, err := ring.NewConsumer(r, o)
	require.NoError(t, err)
	return p, c, r
}

func TestSPSCOrderAndWrap(t *testing.T) {
	p, c, _ := pair(t, 1024, nil)
	ctx := timeout(t, 10*time.Second)
	for i := range 5000 {
		msg := bytes.Repeat([]byte{byte(i)}, i%(p.MaxFrame()+1))
		require.NoError(t, p.Send(ctx, msg))
		got, err := c.Next(ctx)
		require.NoError(t, err)
		require.Equal(t, msg, got, "frame %d", i)
		c.Release() // the same goroutine produces next: hand the space back
	}
}

func TestSPSCTwoGoroutines(t *testing.T) {
	p, c, _ := pair(t, 4096, nil)
	ctx := timeout(t, 20*time.Second)
	const n = 100000
	go func() {
		for i := range n {
			buf, err := p.Reserve(ctx, i%300)
			if err != nil {
				return
			}
			for j := range buf {
				buf[j] = byte(i + j)
			}
			p.Commit(len(buf))
			if i%7 == 0 {
				p.Flush()
			}
		}
		p.Flush()
		p.Close()
	}()
	for i := range n {
		f, err := c.Next(ctx)
		require.NoError(t, err, "frame %d", i)
		require.Len(t, f, i%300)
		for j, b := range f {
			if b != byte(i+j) {
				require.Equal(t, byte(i+j), b, "frame %d byte %d", i, j)
			}
		}
	}
	_, err := c.Next(ctx)
	assert.ErrorIs(t, err, ring.ErrClosed)
}

func TestSPSCBatchInvisibleUntilFlush(t *testing.T) {
	p, c, _ := pair(t, 4096, nil)
	ctx := timeout(t, 10*time.Second)
	for i := range 3 {
		buf, err := p.Reserve(ctx, 10)
		require.NoError(t, err)
		buf[0] = byte(i)
		p.Commit(1 + i)
	}
	_, ok, err := c.TryNext()
	require.NoError(t, err)
	assert.False(t, ok, "committed but not flushed")
	p.Flush()
	for i := range 3 {
		f, ok, err := c.TryNext()
		require.NoError(t, err)
		require.True(t, ok)
		assert.Len(t, f, 1+i)
		assert.Equal(t, byte(i), f[0])
	}
	_, ok, err = c.TryNext()
	require.NoError(t, err)
	assert.False(t, ok)
}

func TestSPSCAutoFlushQuarter(t *testing.T) {
	p, c, _ := pair(t, 1024, nil)
	ctx := timeout(t, 10*time.Second)
	for range 2 { // 2 frames of 112 bytes: below a quarter of 1024
		_, err := p.Reserve(ctx, 100)
		require.NoError(t, err)
		p.Commit(100)
	}
	_, ok, _ := c.TryNext()
	assert.False(t, ok)
	_, err := p.Reserve(ctx, 100) // 336 bytes with this one, past a quarter: flushed
	require.NoError(t, err)
	for range 2 {
		_, ok, _ = c.TryNext()
		assert.True(t, ok)
	}
	p.Commit(100)
	_, ok, _ = c.TryNext()
	assert.False(t, ok, "the third frame waits for the next flush")
}

func TestSPSCTooLarge(t *testing.T) {
	p, _, _ := pair(t, 1024, nil)
	_, err := p.Reserve(context.Background(), p.MaxFrame()+1)
	assert.ErrorIs(t, err, ring.ErrTooLarge)
	assert.Panics(t, func() { p.Commit(1) }, "commit without reserve")
}

func TestSPSCFullBlocksUntilConsumed(t *testing.T) {
	p, c, _ := pair(t, 1024, &ring.Options{Spin: -1})
	ctx := timeout(t, 10*time.Second)
	msg := make([]byte, 200)
	sent := 0
	for {
		short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
		err := p.Send(short, msg)
		cancel()
		if err != nil {
			require.ErrorIs(t, err, context.DeadlineExceeded)
			break
		}
		sent++
	}
	require.Positive(t, sent)
	done := make(chan error)
	go func() { done <- p.Send(ctx, msg) }()
	time.Sleep(10 * time.Millisecond)
	for range sent + 1 {
		_, err := c.Next(ctx)
		require.NoError(t, err)
	}
	require.NoError(t, <-done, "the producer woke when space was released")
}

func TestSPSCCloseDrainsThenFails(t *testing.T) {
	p, c, _ := pair(t, 1024, nil)
	ctx := timeout(t, 10*time.Second)
	require.NoError(t, p.Send(ctx, []byte("last")))
	p.Close()
	assert.ErrorIs(t, p.Send(ctx, []byte("x")), ring.ErrClosed)
	f, err := c.Next(ctx)
	require.NoError(t, err)
	assert.Equal(t, "last", string(f))
	_, err = c.Next(ctx)
	assert.ErrorIs(t, err, ring.ErrClosed)
}

func TestSPSCConsumerCloseStopsProducer(t *testing.T) {
	p, c, _ := pair(t, 1024, nil)
	c.Close()
	assert.ErrorIs(t, p.Send(context.Background(), []byte("x")), ring.ErrClosed)
}

func TestSPSCCloseWakesSleeper(t *testing.T) {
	for _, spin := range []time.Duration{-1, 0} {
		p, c, _ := pair(t, 1024, &ring.Options{Spin: spin})
		done := make(chan error)
		go func() {
			_, err := c.Next(context.Background())
			done <- err
		}()
		time.Sleep(20 * time.Millisecond)
		start := time.Now()
		p.Close()
		select {
		case err := <-done:
			assert.ErrorIs(t, err, ring.ErrClosed)
			assert.Less(t, time.Since(start), 100*time.Millisecond)
		case <-time.After(5 * time.Second):
			t.Fatal("close did not wake the consumer")
		}
	}
}

func TestSPSCContext(t *testing.T) {
	_, c, _ := pair(t, 1024, &ring.Options{Spin: -1})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	start := time.Now()
	_, err := c.Next(ctx)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Less(t, time.Since(start), 200*time.Millisecond, "cancel wakes at once, not at maxSleep")

	dl, cancel2 := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel2()
	_, err = c.Next(dl)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestSPSCCorruptHeader(t *testing.T) {
	p, c, r := pair(t, 1024, nil)
	ctx := timeout(t, 10*time.Second)
	require.NoError(t, p.Send(ctx, []byte("ok")))
	require.NoError(t, p.Send(ctx, []byte("ok")))
	hdr := r.Bytes()[256+16 : 256+24] // frame 1's header, published
	_, err := c.Next(ctx)
	require.NoError(t, err)
	copy(hdr, []byte{0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0}) // a length past the ring
	_, err = c.Next(ctx)
	assert.ErrorIs(t, err, ring.ErrCorrupt)
	_, _, err = c.TryNext()
	assert.ErrorIs(t, err, ring.ErrCorrupt, "sticky")
}

// TestSPSCCorruptHeaderBelowTail changes a published header that the
// consumer has not read yet, after a read that let it know the tail: the
// next read (the fast path, which trusts the tail it knows) must refuse a
// length past the tail or past the ring as the first read would.
func TestSPSCCorruptHeaderBelowTail(t *testing.T) {
	for name, h := range map[string]uint64{
		"past the tail":          100,
		"one byte past the tail": 33, // frames 1 and 2 end at 48; 16+8+33 > 48
		"past the ring":          2000,
		"padding mid-ring":       8 | 1<<31,
		"beyond 32 bits set":     1<<40 | 8,
		"all bits":               ^uint64(0),
		"wraps with its header":  ^uint64(0) - 7,
	} {
		t.Run(name, func(t *testing.T) {
			c, r, ctx := oneOfThreeRead(t)
			r.Uint64s()[32+2] = h // frame 1's header, at data offset 16
			f, ok := c.NextReady()
			assert.False(t, ok, "the fast path refuses it too")
			assert.Nil(t, f)
			_, err := c.Next(ctx)
			assert.ErrorIs(t, err, ring.ErrCorrupt)
			_, err = c.Next(ctx)
			assert.ErrorIs(t, err, ring.ErrCorrupt, "sticky")
			_, ok = c.NextReady()
			assert.False(t, ok, "closed once corrupt")
		})
	}
}

// oneOfThreeRead returns the consumer of a 1024-byte ring and its region
// once the producer sent three 2-byte frames (at data offsets 0, 16 and
// 32, ending at 48) and the consumer read the first, with a context for
// the test.
func oneOfThreeRead(t *testing.T) (*ring.Consumer, arena.Region, context.Context) {
	t.Helper()
	p, c, r := pair(t, 1024, nil)
	ctx := timeout(t, 10*time.Second)
	for range 3 {
		require.NoError(t, p.Send(ctx, []byte("ok")))
	}
	_, err := c.Next(ctx)
	require.NoError(t, err)
	return c, r, ctx
}

// The producer's published position is the peer's word too: one that runs
// backwards, past a capacity ahead of the consumer, off the frame grid, or
// past the frames the headers describe is refused, not followed.
func TestSPSCCorruptTail(t *testing.T) {
	for name, tail := range map[string]func(sent uint64) uint64{
		"backwards":  func(sent uint64) uint64 { return sent - 8 },
		"too far":    func(sent uint64) uint64 { return 2048 },
		"misaligned": func(sent uint64) uint64 { return sent + 3 },
	} {
		t.Run(name, func(t *testing.T) {
			p, c, r := pair(t, 1024, nil)
			ctx := timeout(t, 10*time.Second)
			for range 2 {
				require.NoError(t, p.Send(ctx, []byte("ok")))
			}
			_, err := c.Next(ctx)
			require.NoError(t, err)
			_, err = c.Next(ctx) // the consumer has read up to the tail
			require.NoError(t, err)
			r.Uint64s()[8] = tail(32) // offTail
			_, _, err = c.TryNext()
			assert.ErrorIs(t, err, ring.ErrCorrupt)
		})
	}
	t.Run("past the headers", func(t *testing.T) {
		p, c, r := pair(t, 1024, nil)
		ctx := timeout(t, 10*time.Second)
		require.NoError(t, p.Send(ctx, []byte("ok")))
		r.Uint64s()[32] = 40 // frame 0 now claims 40 bytes, past the tail at 16
		_, err := c.Next(ctx)
		assert.ErrorIs(t, err, ring.ErrCorrupt)
	})
}

func TestSPSCCorruptHead(t *testing.T) {
	p, _, r := pair(t, 1024, nil)
	ctx := timeout(t, 10*time.Second)
	r.Uint64s()[0] = 1 << 40 // the consumer "released" far beyond what exists
	var err error
	for i := 0; i < 5 && err == nil; i++ {
		err = p.Send(ctx, make([]byte, 400))
	}
	assert.ErrorIs(t, err, ring.ErrCorrupt)
	refused(t, p, 8) // the fast path too
}

func TestSPSCLayoutChecks(t *testing.T) {
	a := newArena(t, 1<<20)
	small, err := a.Alloc("small", 100, ring.KindSPSC)
	require.NoError(t, err)
	assert.ErrorIs(t, ring.InitSPSC(small), ring.ErrBadLayout)
	raw, err := a.Alloc("raw", 4096, arena.KindBytes)
	require.NoError(t, err)
	_, err = ring.NewConsumer(raw, nil)
	assert.ErrorIs(t, err, ring.ErrBadLayout, "not formatted")
	r := newSPSC(t, a, "r", 1024)
	r.Bytes()[192+8] = 3 // capacity no longer a power of two
	_, err = ring.NewProducer(r, nil)
	assert.ErrorIs(t, err, ring.ErrBadLayout)
	require.NoError(t, ring.InitSPSC(r), "reset restores it")
	_, err = ring.NewProducer(r, nil)
	assert.NoError(t, err)
	r.Bytes()[192+4] = 7 // a way of fencing that no version writes
	_, err = ring.NewConsumer(r, nil)
	assert.ErrorIs(t, err, ring.ErrBadLayout, "unknown fences")
}

// TestSPSCCommitShorterThanReserved commits fewer bytes than it reserved,
// across many laps of a small ring: the header slot after the shorter frame
// must read as empty until the next frame is committed there.
func TestSPSCCommitShorterThanReserved(t *testing.T) {
	p, c, _ := pair(t, 1024, nil)
	ctx := timeout(t, 20*time.Second)
	const n = 50_000
	lengths := func(i int) (reserve, commit int) {
		reserve = (i * 37) % 300
		return reserve, reserve - (i*11)%(reserve+1)
	}
	go func() {
		for i := range n {
			reserve, commit := lengths(i)
			buf, err := p.Reserve(ctx, reserve)
			if err != nil {
				return
			}
			for j := range buf {
				buf[j] = byte(i + j) // also past commit: those bytes must never show
			}
			p.Commit(commit)
			if i%5 == 0 {
				p.Flush()
			}
		}
		p.Flush()
	}()
	for i := range n {
		_, commit := lengths(i)
		f, err := c.Next(ctx)
		require.NoError(t, err, "frame %d", i)
		require.Len(t, f, commit, "frame %d", i)
		for j, b := range f {
			if b != byte(i+j) {
				require.Equal(t, byte(i+j), b, "frame %d byte %d", i, j)
			}
		}
	}
}

// TestSPSCFlushBetweenReserveAndCommit flushes while a reserved payload
// is being written: the flush publishes the frame committed before, and
// must leave the payload's bytes (which span the lines a flush may prepare
// for the next frame) as they were written.
func TestSPSCFlushBetweenReserveAndCommit(t *testing.T) {
	p, c, _ := pair(t, 1024, nil)
	ctx := timeout(t, 10*time.Second)
	first, err := p.Reserve(ctx, 5)
	require.NoError(t, err)
	p.Commit(copy(first, "first"))
	buf, err := p.Reserve(ctx, 200)
	require.NoError(t, err)
	for i := range buf {
		buf[i] = byte(i) | 1 // no zero byte, so a zeroed word shows
	}
	want := bytes.Clone(buf)
	p.Flush()
	got, err := c.Next(ctx)
	require.NoError(t, err)
	assert.Equal(t, []byte("first"), got)
	p.Commit(len(buf))
	p.Flush()
	got, err = c.Next(ctx)
	require.NoError(t, err)
	assert.Equal(t, want, got)
}
