package ring_test

import (
	"context"
	"encoding/binary"
	"testing"

	"github.com/shmrun/shmrun/arena"
	"github.com/shmrun/shmrun/ring"
)

// fuzzRegion formats a fresh ring region for one fuzz input.
func fuzzRegion(f *testing.F, kind arena.Kind, size int) arena.Region {
	a, err := arena.Create(1<<20, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { a.Close() })
	r, err := a.Alloc("fuzz", size, kind)
	if err != nil {
		f.Fatal(err)
	}
	return r
}

// FuzzConsumer lets a correct producer write some frames, lets the consumer
// read some, then overwrites the ring's data with arbitrary bytes, as a
// crashed or hostile producer could. The consumer must return frames inside
// the ring or an error, and never panic.
func FuzzConsumer(f *testing.F) {
	r := fuzzRegion(f, ring.KindSPSC, ring.SPSCSize(512))
	f.Add(uint8(0), uint8(0), uint16(0), []byte{})
	f.Add(uint8(3), uint8(1), uint16(8), []byte{0xff, 0xff, 0xff, 0x7f, 1, 0, 0, 0})
	f.Add(uint8(5), uint8(5), uint16(0), []byte{4, 0, 0, 0x40, 5, 0, 0, 0, 'a', 'b', 'c', 'd'})
	f.Add(uint8(9), uint8(2), uint16(40), []byte{0xf0, 1, 0, 0xc0, 2, 0, 0, 0})
	f.Fuzz(func(t *testing.T, sent, read uint8, at uint16, garbage []byte) {
		c := exchange(t, r, int(sent%16), int(read%16), 7)
		data := r.Bytes()[256:]
		copy(data[int(at)%len(data):], garbage)
		readGarbage(t, r, c)
	})
}

// exchange formats r afresh, has a correct producer send sent frames of
// step*i bytes and the consumer read the first read of them, and returns
// the consumer.
func exchange(t *testing.T, r arena.Region, sent, read, step int) *ring.Consumer {
	if err := ring.InitSPSC(r); err != nil {
		t.Fatal(err)
	}
	p, _ := ring.NewProducer(r, nil)
	c, _ := ring.NewConsumer(r, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // a full ring returns at once instead of blocking
	for i := range sent {
		if err := p.Send(ctx, make([]byte, step*i)); err != nil {
			break
		}
		if i < read {
			if _, err := c.Next(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	return c
}

// readGarbage reads from a ring a peer scribbled on: every frame the
// consumer returns must lie inside the region, and Queued must stay within
// its limit, until the consumer reports an error or runs dry.
func readGarbage(t *testing.T, r arena.Region, c *ring.Consumer) {
	base := r.Bytes()
	for range 64 {
		if q := c.Queued(64); q < 0 || q > 64 {
			t.Fatalf("Queued(64) = %d", q)
		}
		frame, ok, err := c.TryNext()
		if err != nil || !ok {
			return
		}
		if len(frame) > 0 && !inside(base, frame) {
			t.Fatalf("frame of %d bytes outside the ring", len(frame))
		}
	}
}

func inside(region, b []byte) bool {
	start := &region[0]
	end := &region[len(region)-1]
	first, last := &b[0], &b[len(b)-1]
	return uintptrOf(first) >= uintptrOf(start) && uintptrOf(last) <= uintptrOf(end)
}

// FuzzConsumerTail gives the consumer an arbitrary producer position
// after a correct producer wrote some frames, and garbage in the data
// below it, as a hostile producer could publish: the consumer must return
// frames inside the ring or ErrCorrupt, and count queued frames between 0
// and its limit.
func FuzzConsumerTail(f *testing.F) {
	r := fuzzRegion(f, ring.KindSPSC, ring.SPSCSize(512))
	f.Add(uint8(2), uint8(1), uint64(0), uint16(0), []byte{})
	f.Add(uint8(4), uint8(0), uint64(48), uint16(16), []byte{0xf8, 0xff, 0xff, 0x7f})
	f.Add(uint8(7), uint8(7), uint64(1<<62), uint16(0), []byte{})
	f.Add(uint8(9), uint8(3), uint64(504), uint16(496), []byte{0, 0, 0, 0x80})
	f.Fuzz(func(t *testing.T, sent, read uint8, tail uint64, at uint16, garbage []byte) {
		c := exchange(t, r, int(sent%16), int(read%16), 5)
		data := r.Bytes()[256:]
		copy(data[int(at)%len(data):], garbage)
		binary.LittleEndian.PutUint64(r.Bytes()[64:], tail)
		readGarbage(t, r, c)
	})
}

// FuzzProducerHead gives the producer an arbitrary consumer position.
func FuzzProducerHead(f *testing.F) {
	r := fuzzRegion(f, ring.KindSPSC, ring.SPSCSize(512))
	f.Add(uint64(0), uint16(100))
	f.Add(uint64(1<<40), uint16(200))
	f.Add(uint64(7), uint16(240))
	f.Fuzz(func(t *testing.T, head uint64, size uint16) {
		if err := ring.InitSPSC(r); err != nil {
			t.Fatal(err)
		}
		p, _ := ring.NewProducer(r, &ring.Options{Spin: -1})
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // never block: a full ring returns the context's error
		binary.LittleEndian.PutUint64(r.Bytes(), head)
		for range 8 {
			if err := p.Send(ctx, make([]byte, int(size)%(p.MaxFrame()+1))); err != nil {
				return
			}
		}
	})
}

// FuzzMPMC overwrites a queue's slots and indices with arbitrary bytes; pops
// and pushes must fail cleanly or succeed, never panic or hang.
func FuzzMPMC(f *testing.F) {
	const slots, size = 4, 16
	r := fuzzRegion(f, ring.KindMPMC, ring.MPMCSize(slots, size))
	f.Add(uint16(0), []byte{1, 0, 0, 0, 0, 0, 0, 0, 200})
	f.Add(uint16(320), []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Add(uint16(64), []byte{9, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, at uint16, garbage []byte) {
		if err := ring.InitMPMC(r, slots, size); err != nil {
			t.Fatal(err)
		}
		q, err := ring.OpenMPMC(r, nil)
		if err != nil {
			t.Fatal(err)
		}
		q.TryPush([]byte("before"))
		b := r.Bytes()
		if int(at) >= 256 && int(at) < 320 {
			at = 320 // leave the geometry alone: OpenMPMC checked it already
		}
		copy(b[int(at)%len(b):], garbage)
		for range 16 {
			msg, ok, err := q.TryPop(nil)
			if err != nil {
				return
			}
			if ok && len(msg) > size {
				t.Fatalf("popped %d bytes from %d-byte slots", len(msg), size)
			}
			if _, err := q.TryPush([]byte("again")); err != nil {
				return
			}
		}
	})
}
