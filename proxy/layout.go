package proxy

import (
	"fmt"
	"sync/atomic"
	"unsafe"

	"github.com/shmrun/shmrun/arena"
)

// The hub's region: a header, the directory of served objects, then one
// endpoint per process (the master's first, then one per worker slot).
//
//	header    | entries x entry | endpoints x (endpointHeader, pending row, slots)
//
// Every word another process writes is an atomic, 8-byte aligned; words
// written by different parties sit on different cache lines. Whatever is
// read from the region is checked before use: a worker may have scribbled
// on it.
// MaxWorkers is the most worker processes a hub serves: New fails for a
// larger pool. Each takes an endpoint of slotsPerEnd call slots of
// Options.MaxMessage bytes in the arena; the bound also lets a process
// that attaches refuse a geometry no master writes.
const MaxWorkers = 4096

const (
	kindHub      arena.Kind = 0x5958_5250 // "PRXY"
	regionName              = "shmrun.proxy"
	hubMagic                = 0x3179_786f_7270 // "proxy1"
	headerSize              = 256
	entrySize               = 64
	endpointHdr             = 192
	pendingSize             = 64 // one cache line per caller endpoint
	slotHdrSize             = 64
	slotsPerEnd             = 64 // a pending word has a bit per slot
	maxNameLen              = 40
	maxEndpoints            = 1 + MaxWorkers // the master and its workers
	maxEntries              = 1 << 16
	minMessage              = 256
	maxMessage              = 1 << 20
)

// header is the region's first bytes, written by the master before it
// publishes magic; closed is raised when the master closes the hub.
type header struct {
	magic     atomic.Uint64
	endpoints atomic.Uint32
	entries   atomic.Uint32
	slotSize  atomic.Uint32
	handlers  atomic.Uint32
	spin      atomic.Int64
	_         [32]byte
	closed    atomic.Uint32
	_         [188]byte
}

// entry is one object in the directory. Only the master writes entries.
// state is gen<<8 | entryState; the other words are valid while state
// holds the same value before and after they are read.
type entry struct {
	state   atomic.Uint64
	epoch   atomic.Uint64 // the home endpoint's epoch when it served the object
	home    atomic.Uint32 // the home endpoint
	nameLen atomic.Uint32
	name    [maxNameLen / 8]atomic.Uint64
}

type entryState uint8

const (
	entryFree entryState = iota
	entryLive
	entryDead     // its home process died
	entryReserved // claimed for a name, not yet callable
)

// endpointHeader is a process's control block.
type endpointHeader struct {
	epoch atomic.Uint64 // bumped by the master each time the process dies
	pid   atomic.Int64  // the process that last attached, for diagnostics
	_     [48]byte
	// bell rings when a caller posts a request; the handlers sleep on it
	// after announcing themselves in sleepers. While a handler polls for
	// requests (spinners), callers need not ring.
	bell     atomic.Uint32
	sleepers atomic.Uint32
	spinners atomic.Uint32
	_        [52]byte
	// replyBell rings when a home answers a call its caller gave up on,
	// when it reads a post while slotWaiters is not zero, and when any
	// process dies; the listener, which frees such slots, sleeps on it.
	replyBell atomic.Uint32
	// slotWaiters counts the process's callers waiting for a free slot:
	// while it is not zero, a home that reads a post rings replyBell, so
	// that the post's slot comes back at once.
	slotWaiters atomic.Uint32
	_           [56]byte
}

// pendingWord is, in the row of a home endpoint, the requests one caller
// endpoint posted to it: bit i stands for the caller's slot i.
type pendingWord struct {
	bits atomic.Uint64
	_    [56]byte
}

// slotHeader describes what a call slot's buffer holds. The caller owns
// the slot while it is idle or answered; the home owns it from the moment
// it claims the request until it answers, or, for a post, until it has
// read it. state is gen<<8 | slotState.
type slotHeader struct {
	state       atomic.Uint64
	homeEpoch   atomic.Uint64 // the home's epoch when the call was made
	callerEpoch atomic.Uint64 // the caller's own epoch then
	home        atomic.Uint32 // the endpoint the call is for
	length      atomic.Uint32 // bytes of envelope in the buffer
	sleep       atomic.Uint32 // what the home does once it answers (a wakeKind)
	wake        atomic.Uint32 // the futex word a sleeping caller waits on
	_           [24]byte
}

// wakeKind says how a home tells the caller it answered.
type wakeKind = uint32

const (
	wakeNone   wakeKind = iota // the caller polls
	wakeCaller                 // the caller sleeps on the slot's wake word
	wakeOrphan                 // the caller gave up: ring its listener to free the slot
)

type slotState uint8

const (
	slotIdle      slotState = iota
	slotRequested           // a call is written, waiting for its home
	slotRunning             // the home claimed it
	slotReplied             // the reply is written
	slotAbandoned           // the caller gave up before the home claimed it
	slotConsumed            // the home read a post (one-way call): the slot is the caller's again
)

// Compile-time checks that the structs fill their cache lines exactly.
var (
	_ [headerSize - unsafe.Sizeof(header{})]byte
	_ [unsafe.Sizeof(header{}) - headerSize]byte
	_ [entrySize - unsafe.Sizeof(entry{})]byte
	_ [unsafe.Sizeof(entry{}) - entrySize]byte
	_ [endpointHdr - unsafe.Sizeof(endpointHeader{})]byte
	_ [unsafe.Sizeof(endpointHeader{}) - endpointHdr]byte
	_ [slotHdrSize - unsafe.Sizeof(slotHeader{})]byte
	_ [unsafe.Sizeof(slotHeader{}) - slotHdrSize]byte
)

// geometry is the shape of a hub region.
type geometry struct {
	endpoints, entries, slotSize int
}

func (g geometry) slotStride() int { return slotHdrSize + (g.slotSize+63)&^63 }

func (g geometry) endpointSize() int {
	return endpointHdr + g.endpoints*pendingSize + slotsPerEnd*g.slotStride()
}

func (g geometry) size() int {
	return headerSize + g.entries*entrySize + g.endpoints*g.endpointSize()
}

func (g geometry) check() error {
	switch {
	case g.endpoints < 1 || g.endpoints > maxEndpoints:
		return fmt.Errorf("%d endpoints", g.endpoints)
	case g.entries < 2 || g.entries > maxEntries:
		return fmt.Errorf("%d directory entries", g.entries)
	case g.slotSize < minMessage || g.slotSize > maxMessage:
		return fmt.Errorf("messages of %d bytes", g.slotSize)
	}
	return nil
}

// shared is one process's view of a hub region.
type shared struct {
	geometry
	mem []byte
	hdr *header
	dir []entry
}

// view lays a checked geometry over the region's memory.
func view(r arena.Region, g geometry) (*shared, error) {
	b := r.Bytes()
	if err := g.check(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if len(b) < g.size() {
		return nil, fmt.Errorf("%w: a region of %d bytes for %d", ErrCorrupt, len(b), g.size())
	}
	s := &shared{geometry: g, mem: b[:g.size()], hdr: headerOf(b)}
	s.dir = unsafe.Slice((*entry)(unsafe.Pointer(&b[headerSize])), g.entries)
	return s, nil
}

// headerOf views the first headerSize bytes of b, 64-byte aligned, as the
// header.
func headerOf(b []byte) *header { return (*header)(unsafe.Pointer(&b[0])) }

// endpoint returns the control block of endpoint e, 0 <= e < endpoints.
func (s *shared) endpoint(e int) *endpointHeader {
	return (*endpointHeader)(unsafe.Pointer(&s.mem[s.endpointOff(e)]))
}

func (s *shared) endpointOff(e int) int {
	return headerSize + s.entries*entrySize + e*s.endpointSize()
}

// pending returns the word in home's row where caller posts requests.
func (s *shared) pending(home, caller int) *atomic.Uint64 {
	off := s.endpointOff(home) + endpointHdr + caller*pendingSize
	return &(*pendingWord)(unsafe.Pointer(&s.mem[off])).bits
}

// slot returns slot i of endpoint e and its buffer.
func (s *shared) slot(e, i int) (*slotHeader, []byte) {
	off := s.endpointOff(e) + endpointHdr + s.endpoints*pendingSize + i*s.slotStride()
	buf := s.mem[off+slotHdrSize : off+slotHdrSize+s.slotSize : off+slotHdrSize+s.slotSize]
	return (*slotHeader)(unsafe.Pointer(&s.mem[off])), buf
}

func pack(gen uint64, st uint8) uint64 { return gen<<8 | uint64(st) }

func unpack(v uint64) (gen uint64, st uint8) { return v >> 8, uint8(v) }
