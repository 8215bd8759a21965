package ring_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/shmrun/shmrun/arena"
	"github.com/shmrun/shmrun/internal/placement"
	"github.com/shmrun/shmrun/ring"
)

// Every op below moves one 64-byte message, or makes one round trip of one.
const msgSize = 64

// msgSink keeps the last message a benchmark read, so that its reads
// cannot be optimized away.
var msgSink [msgSize]byte

// benchBatch is how many frames the producer commits between flushes: a
// dispatcher publishes what it has, not each message on its own.
const benchBatch = 32

// Ops per batch of the median metric (batchTimer): a round trip takes a
// few hundred nanoseconds at best, a streamed message tens.
const (
	rtBatch     = 20
	streamBatch = 512
)

func init() {
	children["bench-produce"] = childBenchProduce
	children["bench-push"] = childBenchPush
	children["bench-echo"] = childBenchEcho
	children["bench-socket-echo"] = childBenchSocketEcho
	children["bench-atomic"] = childBenchAtomic
}

// Every benchmark between two processes, and each baseline beside one,
// probes the placement of the machine's two CPUs before and after each
// burst (placement.Record): compare figures within one placement.

func BenchmarkThroughput(b *testing.B) {
	b.Run("ring-cross-process", benchRingThroughput)
	b.Run("limit-fixed-slots", benchSlotsThroughput)
	b.Run("chan-in-process", benchChanThroughput)
	b.Run("mpmc-cross-process", benchMPMCThroughput)
}

func BenchmarkRoundTrip(b *testing.B) {
	b.Run("ring-spin", func(b *testing.B) { benchRingRoundTrip(b, time.Millisecond) })
	b.Run("ring-futex", func(b *testing.B) { benchRingRoundTrip(b, -1) })
	b.Run("unix-socket", benchSocketRoundTrip)
	b.Run("atomic-limit", func(b *testing.B) { benchAtomicRoundTrip(b, 0) })
	b.Run("atomic-2lines", func(b *testing.B) { benchAtomicRoundTrip(b, 64) })
	b.Run("limit-seq-slots", benchSeqSlotsRoundTrip)
}

// childBenchProduce streams 64-byte frames the fastest way the API allows:
// the inlined TryReserve, falling back to Reserve, and a copy of constant
// size into the payload.
func childBenchProduce(a *arena.Arena) error {
	p, err := ring.NewProducer(region(a, "r"), nil)
	if err != nil {
		return err
	}
	ctx := context.Background()
	var msg [msgSize]byte
	for i := range envInt("N") + 1 { // one extra frame: the ready signal
		buf, ok := p.TryReserve(msgSize) // inlined; Reserve when it fails
		if !ok {
			if buf, err = p.Reserve(ctx, msgSize); err != nil {
				return err
			}
		}
		msg[0] = byte(i)
		*(*[msgSize]byte)(buf) = msg // a copy of constant size
		p.Commit(msgSize)
		if i%benchBatch == 0 {
			p.Flush()
		}
	}
	p.Flush()
	p.Close()
	return nil
}

// benchRingThroughput streams 64-byte frames from another process, read
// the fastest way the API allows: the inlined NextReady, falling back to
// Next, and a copy of constant size out of the payload.
func benchRingThroughput(b *testing.B) {
	defer placement.Record(b)()
	a := newArena(b, 1<<20)
	r := newSPSC(b, a, "r", 256<<10)
	c, err := ring.NewConsumer(r, nil)
	require.NoError(b, err)
	cmd := startChild(b, a, "bench-produce", fmt.Sprint("N=", b.N))
	ctx := context.Background()
	_, err = c.Next(ctx)
	require.NoError(b, err)
	var out [msgSize]byte
	b.SetBytes(msgSize)
	b.ResetTimer()
	bt := newBatchTimer(b, streamBatch)
	for range b.N {
		f, ok := c.NextReady() // inlined; Next when it fails
		if !ok {
			if f, err = c.Next(ctx); err != nil {
				b.Fatal(err)
			}
		}
		out = [msgSize]byte(f) // a copy of constant size
		bt.tick()
	}
	b.StopTimer()
	bt.report(b)
	msgSink = out
	require.NoError(b, cmd.Wait())
}

// benchChanThroughput is the baseline: a buffered channel of 64-byte values
// between two goroutines of one process.
func benchChanThroughput(b *testing.B) {
	defer placement.Record(b)()
	ch := make(chan [msgSize]byte, 1024)
	go func() {
		var msg [msgSize]byte
		for i := range b.N {
			msg[0] = byte(i)
			ch <- msg
		}
	}()
	var out [msgSize]byte
	b.SetBytes(msgSize)
	b.ResetTimer()
	bt := newBatchTimer(b, streamBatch)
	for range b.N {
		out = <-ch
		bt.tick()
	}
	b.StopTimer()
	bt.report(b)
	_ = out
}

func childBenchPush(a *arena.Arena) error {
	q, err := ring.OpenMPMC(region(a, "q"), nil)
	if err != nil {
		return err
	}
	var msg [msgSize]byte
	for i := range envInt("N") + 1 {
		msg[0] = byte(i)
		if err := q.Push(context.Background(), msg[:]); err != nil {
			return err
		}
	}
	return nil
}

func benchMPMCThroughput(b *testing.B) {
	defer placement.Record(b)()
	a := newArena(b, 1<<20)
	r, err := a.Alloc("q", ring.MPMCSize(1024, msgSize), ring.KindMPMC)
	require.NoError(b, err)
	require.NoError(b, ring.InitMPMC(r, 1024, msgSize))
	q, err := ring.OpenMPMC(r, nil)
	require.NoError(b, err)
	cmd := startChild(b, a, "bench-push", fmt.Sprint("N=", b.N))
	ctx := context.Background()
	buf := make([]byte, 0, msgSize)
	_, err = q.Pop(ctx, buf)
	require.NoError(b, err)
	b.SetBytes(msgSize)
	b.ResetTimer()
	for range b.N {
		if _, err := q.Pop(ctx, buf); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	require.NoError(b, cmd.Wait())
}

func childBenchEcho(a *arena.Arena) error {
	o := &ring.Options{Spin: time.Duration(envInt("SPIN"))}
	in, out, err := echoEnds(a, o)
	if err != nil {
		return err
	}
	return echo(context.Background(), in, out, func() {})
}

// echoEnds opens a child's ends of a pair of rings: it reads "req" and
// answers on "resp".
func echoEnds(a *arena.Arena, o *ring.Options) (*ring.Consumer, *ring.Producer, error) {
	in, err := ring.NewConsumer(region(a, "req"), o)
	if err != nil {
		return nil, nil, err
	}
	out, err := ring.NewProducer(region(a, "resp"), o)
	return in, out, err
}

// echo sends every frame it reads back, calling after each send, until
// the ring it reads from closes.
func echo(ctx context.Context, in *ring.Consumer, out *ring.Producer, after func()) error {
	for {
		f, err := in.Next(ctx)
		if errors.Is(err, ring.ErrClosed) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := out.Send(ctx, f); err != nil {
			return err
		}
		after()
	}
}

func benchRingRoundTrip(b *testing.B, spin time.Duration) {
	defer placement.Record(b)()
	a := newArena(b, 1<<20)
	o := &ring.Options{Spin: spin}
	req, err := ring.NewProducer(newSPSC(b, a, "req", 64<<10), o)
	require.NoError(b, err)
	resp, err := ring.NewConsumer(newSPSC(b, a, "resp", 64<<10), o)
	require.NoError(b, err)
	cmd := startChild(b, a, "bench-echo", fmt.Sprint("SPIN=", int64(spin)))
	ctx := context.Background()
	var msg, out [msgSize]byte
	roundTrip := func() {
		if err := req.Send(ctx, msg[:]); err != nil {
			b.Fatal(err)
		}
		f, err := resp.Next(ctx)
		if err != nil {
			b.Fatal(err)
		}
		copy(out[:], f)
	}
	timeRoundTrips(b, func(uint64) { roundTrip() })
	req.Close()
	require.NoError(b, cmd.Wait())
}

func childBenchSocketEcho(*arena.Arena) error {
	fd := 4 // ExtraFiles[1]
	var buf [msgSize]byte
	for {
		if err := readFull(fd, buf[:]); err != nil {
			return nil // the parent closed its end
		}
		if _, err := unix.Write(fd, buf[:]); err != nil {
			return err
		}
	}
}

func readFull(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := unix.Read(fd, b)
		if err != nil {
			return err
		}
		if n == 0 {
			return errors.New("EOF")
		}
		b = b[n:]
	}
	return nil
}

// benchSocketRoundTrip is the baseline: a unix stream socket between the
// same two processes, with plain blocking read and write system calls (the
// fastest way Go can use one).
func benchSocketRoundTrip(b *testing.B) {
	defer placement.Record(b)()
	a := newArena(b, 1<<16)
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	require.NoError(b, err)
	theirs := os.NewFile(uintptr(fds[1]), "socket")
	cmd := startChildFiles(b, a, []*os.File{theirs}, "bench-socket-echo")
	theirs.Close()
	defer unix.Close(fds[0])
	var msg [msgSize]byte
	roundTrip := func() {
		if _, err := unix.Write(fds[0], msg[:]); err != nil {
			b.Fatal(err)
		}
		if err := readFull(fds[0], msg[:]); err != nil {
			b.Fatal(err)
		}
	}
	timeRoundTrips(b, func(uint64) { roundTrip() })
	unix.Shutdown(fds[0], unix.SHUT_WR)
	require.NoError(b, cmd.Wait())
}

func childBenchAtomic(a *arena.Arena) error {
	words := region(a, "word").Uint64s()
	ping := (*atomic.Uint64)(unsafe.Pointer(&words[0]))
	pong := (*atomic.Uint64)(unsafe.Pointer(&words[envInt("PONG")/8]))
	for i := range uint64(envInt("N")) + 1 {
		if pong == ping { // one word: answer 2i+1 with 2i+2
			for ping.Load() != 2*i+1 {
			}
			ping.Store(2*i + 2)
			continue
		}
		for ping.Load() != i+1 {
		}
		pong.Store(i + 1)
	}
	return nil
}

// benchAtomicRoundTrip bounces a counter between two processes that spin on
// shared words. With pong = 0 both directions use one word on one cache
// line: the physical limit. With pong = 64 each direction has its own line,
// as any pair of request and response channels must: the floor for a ring
// round trip.
func benchAtomicRoundTrip(b *testing.B, pong int) {
	defer placement.Record(b)()
	a := newArena(b, 1<<16)
	r, err := a.Alloc("word", 128, arena.KindBytes)
	require.NoError(b, err)
	words := r.Uint64s()
	ping := (*atomic.Uint64)(unsafe.Pointer(&words[0]))
	back := (*atomic.Uint64)(unsafe.Pointer(&words[pong/8]))
	cmd := startChild(b, a, "bench-atomic", fmt.Sprint("N=", b.N), fmt.Sprint("PONG=", pong))
	step := func(i uint64) {
		if pong == 0 {
			ping.Store(2*i + 1)
			for ping.Load() != 2*i+2 {
			}
			return
		}
		ping.Store(i + 1)
		for back.Load() != i+1 {
		}
	}
	timeRoundTrips(b, step)
	require.NoError(b, cmd.Wait())
}

// timeRoundTrips runs step(0) untimed (the child is up once it returns),
// then times step(1) to step(b.N) in batches of rtBatch.
func timeRoundTrips(b *testing.B, step func(i uint64)) {
	step(0)
	b.ResetTimer()
	bt := newBatchTimer(b, rtBatch)
	for i := range uint64(b.N) {
		step(i + 1)
		bt.tick()
	}
	b.StopTimer()
	bt.report(b)
}
