package ring_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/arena"
	"github.com/shmrun/shmrun/internal/placement"
	"github.com/shmrun/shmrun/ring"
)

// slots is the reference the ring's throughput is measured against: the
// least a queue of 64-byte messages between two processes can do. Fixed
// 64-byte slots, no headers, no checks, no sleeping; each side publishes
// its index on a line of its own and caches the other's, reading it again
// only when it runs out: the producer every benchBatch messages, the
// consumer every sixteenth of the ring, as the ring does.
type slots struct {
	prod, cons *atomic.Uint64
	data       []byte
}

const (
	slotCount   = 4096 // 256 KiB, the ring's capacity in its benchmark
	slotsHeader = 128
)

func newSlots(r arena.Region) slots {
	b := r.Bytes()
	return slots{
		prod: (*atomic.Uint64)(unsafe.Pointer(&b[0])),
		cons: (*atomic.Uint64)(unsafe.Pointer(&b[64])),
		data: b[slotsHeader : slotsHeader+slotCount*msgSize],
	}
}

type slotsProducer struct {
	slots
	idx, cons uint64
}

func (p *slotsProducer) push(msg *[msgSize]byte) {
	for p.idx-p.cons == slotCount {
		p.cons = p.slots.cons.Load()
	}
	copy(p.data[p.idx%slotCount*msgSize:][:msgSize], msg[:])
	p.idx++
	if p.idx%benchBatch == 0 {
		p.prod.Store(p.idx)
	}
}

type slotsConsumer struct {
	slots
	idx, prod uint64
}

func (c *slotsConsumer) pop(out *[msgSize]byte) {
	for c.idx == c.prod {
		c.prod = c.slots.prod.Load()
	}
	copy(out[:], c.data[c.idx%slotCount*msgSize:][:msgSize])
	c.idx++
	if c.idx%(slotCount/16) == 0 {
		c.cons.Store(c.idx)
	}
}

func init() { children["bench-slots-produce"] = childSlotsProduce }

func childSlotsProduce(a *arena.Arena) error {
	p := slotsProducer{slots: newSlots(region(a, "s"))}
	var msg [msgSize]byte
	for i := range envInt("N") + 1 { // one extra message: the ready signal
		msg[0] = byte(i)
		p.push(&msg)
	}
	p.prod.Store(p.idx)
	return nil
}

func benchSlotsThroughput(b *testing.B) {
	defer placement.Record(b)()
	a := newArena(b, 1<<20)
	r, err := a.Alloc("s", slotsHeader+slotCount*msgSize, arena.KindBytes)
	require.NoError(b, err)
	c := slotsConsumer{slots: newSlots(r)}
	cmd := startChild(b, a, "bench-slots-produce", fmt.Sprint("N=", b.N))
	var out [msgSize]byte
	c.pop(&out)
	b.SetBytes(msgSize)
	b.ResetTimer()
	bt := newBatchTimer(b, streamBatch)
	for range b.N {
		c.pop(&out)
		bt.tick()
	}
	b.StopTimer()
	bt.report(b)
	require.NoError(b, cmd.Wait())
}

// BenchmarkLoopback is the software cost of a message alone: one goroutine
// writes a batch and reads it back, so no cache line crosses cores.
func BenchmarkLoopback(b *testing.B) {
	b.Run("ring", benchRingLoopback)
	b.Run("limit-fixed-slots", benchSlotsLoopback)
}

// loopback runs b.N messages through one goroutine, benchBatch at a time:
// push writes message j of a batch, flush publishes the batch, pop reads
// one message back.
func loopback(b *testing.B, push func(msg *[msgSize]byte), flush func(), pop func(out *[msgSize]byte)) {
	var msg, out [msgSize]byte
	b.SetBytes(msgSize)
	b.ResetTimer()
	for i := 0; i < b.N; i += benchBatch {
		n := min(benchBatch, b.N-i)
		for j := range n {
			msg[0] = byte(j)
			push(&msg)
		}
		flush()
		for range n {
			pop(&out)
		}
	}
}

func benchRingLoopback(b *testing.B) {
	a := newArena(b, 1<<20)
	r := newSPSC(b, a, "r", 256<<10)
	p, err := ring.NewProducer(r, nil)
	require.NoError(b, err)
	c, err := ring.NewConsumer(r, nil)
	require.NoError(b, err)
	ctx := context.Background()
	loopback(b, func(msg *[msgSize]byte) {
		buf, ok := p.TryReserve(msgSize)
		if !ok {
			var err error
			if buf, err = p.Reserve(ctx, msgSize); err != nil {
				b.Fatal(err)
			}
		}
		*(*[msgSize]byte)(buf) = *msg
		p.Commit(msgSize)
	}, p.Flush, func(out *[msgSize]byte) {
		f, ok := c.NextReady()
		if !ok {
			var err error
			if f, err = c.Next(ctx); err != nil {
				b.Fatal(err)
			}
		}
		*out = [msgSize]byte(f)
	})
}

func benchSlotsLoopback(b *testing.B) {
	a := newArena(b, 1<<20)
	r, err := a.Alloc("s", slotsHeader+slotCount*msgSize, arena.KindBytes)
	require.NoError(b, err)
	s := newSlots(r)
	p, c := slotsProducer{slots: s}, slotsConsumer{slots: s}
	loopback(b, p.push, func() { p.prod.Store(p.idx) }, c.pop)
}
