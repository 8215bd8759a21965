package ring_test

import (
	"fmt"
	"sync/atomic"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/arena"
	"github.com/shmrun/shmrun/internal/placement"
)

// seqSlots is the reference the ring's round trip is measured against
// beside the one-word bounce: the fastest way found to send a message
// each way between two processes. Each direction is a ring of 64-byte
// slots, each one cache line: a sequence word, then a 56-byte payload.
// The sender writes the payload, then the slot's sequence number (a plain
// store: x86 keeps stores in order); the receiver polls that word, with
// no PAUSE, and copies the payload out. So the signal and the data travel
// in one line, with no header to check, no length, no sleeping and no
// index for the other side. Unlike the ring's benchmark it carries 56
// bytes, not 64 (a 64-byte message with a header spans two lines).
// Protocols tried beside it (a published position and chained 72-, 64- or
// 128-byte frames, the ring's shape at its least) were slower, and a
// PAUSE in the seq-word poll 2-3x slower (prototypes of 2026-12-04).
type seqSlots struct {
	base unsafe.Pointer
}

const (
	seqSlotCount = 1024 // per direction
	seqPayload   = 56
)

func (s seqSlots) slot(dir int, i uint64) unsafe.Pointer {
	return unsafe.Add(s.base, (uint64(dir)*seqSlotCount+i%seqSlotCount)*64)
}

// send writes message i (counting from 1) in direction dir.
func (s seqSlots) send(dir int, i uint64, msg *[seqPayload]byte) {
	p := s.slot(dir, i)
	*(*[seqPayload]byte)(unsafe.Add(p, 8)) = *msg
	(*atomic.Uint64)(p).Store(i)
}

// recv waits for message i in direction dir and copies it to out.
func (s seqSlots) recv(dir int, i uint64, out *[seqPayload]byte) {
	p := s.slot(dir, i)
	for (*atomic.Uint64)(p).Load() != i {
	}
	*out = *(*[seqPayload]byte)(unsafe.Add(p, 8))
}

func newSeqSlots(r arena.Region) seqSlots {
	return seqSlots{base: unsafe.Pointer(&r.Bytes()[0])}
}

func init() { children["bench-seq-slots"] = childSeqSlots }

// childSeqSlots echoes every message it receives back to the parent.
func childSeqSlots(a *arena.Arena) error {
	s := newSeqSlots(region(a, "q"))
	var msg [seqPayload]byte
	for i := range uint64(envInt("N")) + 1 {
		s.recv(0, i+1, &msg)
		s.send(1, i+1, &msg)
	}
	return nil
}

func benchSeqSlotsRoundTrip(b *testing.B) {
	defer placement.Record(b)()
	a := newArena(b, 1<<20)
	_, err := a.Alloc("q", 2*seqSlotCount*64, arena.KindBytes)
	require.NoError(b, err)
	s := newSeqSlots(region(a, "q"))
	cmd := startChild(b, a, "bench-seq-slots", fmt.Sprint("N=", b.N))
	var msg, back [seqPayload]byte
	timeRoundTrips(b, func(i uint64) { // message i+1: sequence numbers start at 1
		msg[0] = byte(i + 1)
		s.send(0, i+1, &msg)
		s.recv(1, i+1, &back)
	})
	require.Equal(b, byte(b.N+1), back[0], "the echo carries the last message")
	require.NoError(b, cmd.Wait())
}
