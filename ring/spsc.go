package ring

import (
	"fmt"
	"sync/atomic"
	"unsafe"

	"github.com/shmrun/shmrun/internal/fence"
	"github.com/shmrun/shmrun/internal/futex"
	"github.com/shmrun/shmrun/internal/spinwait"

	"github.com/shmrun/shmrun/arena"
)

// KindSPSC is the arena.Kind of a region holding an SPSC ring ("RSPS").
const KindSPSC arena.Kind = 0x5350_5352

// SPSC region layout. Each word that one side writes and the other polls
// sits alone on its cache line; the futex words and the fence requests,
// written only by a side that goes to sleep (or stops sleeping), share one.
const (
	offHead    = 0   // consumer's release position, uint64
	offTail    = 64  // producer's published write position, uint64
	offCWait   = 128 // consumer's futex word: nonzero while it sleeps
	offPWait   = 132 // producer's futex word: nonzero while it sleeps
	offCFence  = 136 // consumer's fence request: nonzero asks the producer to fence each publication
	offPFence  = 140 // producer's fence request, to the consumer
	offInfo    = 192 // magic, capacity, closed flag: read-mostly
	spscHeader = 256 // data starts here

	spscMagic = 0x5453_5053 // "SPST": the layout with a published tail

	hdrSize  = 8
	padFlag  = 1 << 31 // the frame is padding up to the end of the ring
	lenMask  = padFlag - 1
	minSPSC  = 256
	maxSPSC  = 1 << 30
	frameAln = 8

	cacheLine = 64
)

// spscInfo is the read-mostly line: written once by InitSPSC, except for
// closed.
type spscInfo struct {
	magic uint32
	// fences is how the two sides order a published position before the
	// look at the peer's sleep word (fencesFull or fencesAsymmetric)
	fences   uint32
	capacity uint64
	closed   atomic.Uint32
}

// The two ways of ordering a handshake (see spsc.storePos), chosen once
// per ring by InitSPSC so that both sides agree.
const (
	// fencesFull: every published position is a full fence (sync/atomic's
	// Store, an XCHG on amd64), and so is every sleep announcement
	fencesFull = 0
	// fencesAsymmetric: positions are published with plain stores; a side
	// about to sleep calls fence.Heavy between announcing itself and
	// re-checking the peer's position, which orders the peer's plain store
	// and load as a fence of its own would have. A side that keeps going to
	// sleep asks the peer, through its fence request word, to follow each
	// publication with a full fence, and pays fence.Heavy only for the first
	// of its sleeps after the request (see spsc.announce). (1 was this
	// protocol without requests; no version writes it any more.)
	fencesAsymmetric = 2
)

// SPSCSize returns the region size for an SPSC ring of capacity bytes of
// frame data; capacity must be a power of two of at least 256.
func SPSCSize(capacity int) int { return spscHeader + capacity }

// MaxFrame returns the largest payload an SPSC ring of the given capacity
// accepts: a frame, padding to the end of the ring and the next header
// always fit together, so a producer can never wait for space that cannot
// come.
func MaxFrame(capacity int) int { return capacity/2 - 2*hdrSize }

// InitSPSC formats r as an empty SPSC ring whose capacity is the largest
// power of two that fits. It must run once, before either side opens the
// ring, or again (Reset) when neither side is using it.
func InitSPSC(r arena.Region) error {
	b := r.Bytes()
	if len(b) < spscHeader+minSPSC {
		return fmt.Errorf("%w: SPSC region %q of %d bytes is too small", ErrBadLayout, r.Name(), len(b))
	}
	clear(b)
	capacity := uint64(1)
	for capacity*2 <= uint64(len(b)-spscHeader) && capacity < maxSPSC {
		capacity *= 2
	}
	info := (*spscInfo)(unsafe.Pointer(&b[offInfo]))
	info.capacity = capacity
	if fence.Register() == nil {
		info.fences = fencesAsymmetric
	}
	atomic.StoreUint32(&info.magic, spscMagic) // publish the layout last
	return nil
}

// spsc is one process's view of a ring: pointers into the region plus a
// private, checked copy of its geometry, which is never re-read from shared
// memory.
type spsc struct {
	head  *atomic.Uint64
	tail  *atomic.Uint64
	cwait *atomic.Uint32
	pwait *atomic.Uint32
	// cfence and pfence are the consumer's and the producer's fence
	// requests (fencesAsymmetric only)
	cfence *atomic.Uint32
	pfence *atomic.Uint32
	info   *spscInfo
	data   []byte
	mask   uint64
	cap    uint64
	// maxFrame is MaxFrame(cap); a header that is at most this is a
	// frame's, not padding's, and its length fits the ring
	maxFrame uint64
	spin     *spinwait.Budget
	// handOff: sleeps give up the goroutine's P (Options.HandOff)
	handOff bool
	// asym: the ring's fences are fencesAsymmetric
	asym bool
	// requested: this side's fence request is up and a fence.Heavy has
	// followed it, so every publication the peer makes from now on ends
	// with a full fence
	requested bool
	// scratch is a private word for the locked instruction of fullFence
	scratch uint64
}

func openSPSC(r arena.Region, o *Options) (spsc, error) {
	b := r.Bytes()
	if len(b) < spscHeader+minSPSC {
		return spsc{}, fmt.Errorf("%w: SPSC region %q of %d bytes is too small", ErrBadLayout, r.Name(), len(b))
	}
	info := (*spscInfo)(unsafe.Pointer(&b[offInfo]))
	c := info.capacity
	if atomic.LoadUint32(&info.magic) != spscMagic {
		return spsc{}, fmt.Errorf("%w: region %q is not an SPSC ring", ErrBadLayout, r.Name())
	}
	if c < minSPSC || c > maxSPSC || c&(c-1) != 0 || c > uint64(len(b)-spscHeader) {
		return spsc{}, fmt.Errorf("%w: SPSC region %q: capacity %d for %d bytes", ErrBadLayout, r.Name(), c, len(b))
	}
	asym, err := fencesOf(info)
	if err != nil {
		return spsc{}, fmt.Errorf("%w: SPSC region %q: %w", ErrBadLayout, r.Name(), err)
	}
	return spsc{
		head:     (*atomic.Uint64)(unsafe.Pointer(&b[offHead])),
		tail:     (*atomic.Uint64)(unsafe.Pointer(&b[offTail])),
		cwait:    (*atomic.Uint32)(unsafe.Pointer(&b[offCWait])),
		pwait:    (*atomic.Uint32)(unsafe.Pointer(&b[offPWait])),
		cfence:   (*atomic.Uint32)(unsafe.Pointer(&b[offCFence])),
		pfence:   (*atomic.Uint32)(unsafe.Pointer(&b[offPFence])),
		info:     info,
		data:     b[spscHeader : spscHeader+c : spscHeader+c],
		mask:     c - 1,
		cap:      c,
		maxFrame: uint64(MaxFrame(int(c))),
		spin:     spinwait.NewBudget(o.spin()),
		handOff:  o.handOff(),
		asym:     asym,
	}, nil
}

// fencesOf reads the ring's fences: an asymmetric ring can only be opened
// in a process that registered for fence.Heavy, or the peer's plain stores
// would go unordered (the machine and kernel are the same for both sides,
// so this fails only under a seccomp filter that one side alone has).
func fencesOf(info *spscInfo) (asym bool, err error) {
	switch info.fences {
	case fencesFull:
		return false, nil
	case fencesAsymmetric:
		if err := fence.Register(); err != nil {
			return false, fmt.Errorf("the ring orders with membarrier, which this process cannot: %w", err)
		}
		return true, nil
	}
	return false, fmt.Errorf("unknown fences %d", info.fences)
}

// storePos publishes a position to the peer, whose fence request is
// req. With asymmetric fences it is a plain store where the hardware keeps
// stores in order (amd64): the frames or the space it publishes are
// visible before it, and the load of the peer's sleep word that follows
// may pass it, which the peer's fence.Heavy before its re-check makes
// harmless; and if the peer asked for fences (it keeps going to sleep, see
// announce), a full fence follows the store. Otherwise it is sync/atomic's
// Store, a full fence.
//
// The request is read after the store, not before: membarrier acts as a
// full fence at some point of this side's program, and wherever that
// point falls, either the store is before it (the peer's re-check after
// fence.Heavy sees the position) or the load of the request is after it
// (and sees the request, so the fence is there).
func (s *spsc) storePos(w *atomic.Uint64, v uint64, req *atomic.Uint32) {
	if s.asym {
		storeOrdered(w, v)
		if req.Load() != 0 {
			s.fullFence()
		}
		return
	}
	w.Store(v)
}

// fullFence orders every store before it before every load after it, as
// sync/atomic's operations do: a locked add of zero to a private word.
func (s *spsc) fullFence() { atomic.AddUint64(&s.scratch, 0) }

// announce sets a sleep word and orders it before the re-check of the
// peer's position that follows. With asymmetric fences, the first sleep
// after a request raises this side's request req and calls fence.Heavy;
// from then on the peer fences every publication itself, and an
// announcement needs only the full fence of an atomic store: a peer that
// answers slowly enough to be slept on is not slowed by the fence, while
// this side saves a system-wide barrier (microseconds) at every sleep.
func (s *spsc) announce(word, req *atomic.Uint32) {
	word.Store(1)
	if s.asym && !s.requested {
		req.Store(1)
		fence.Heavy()
		s.requested = true
	}
}

// unrequest withdraws this side's fence request, if it is up: the peer
// answered while this side was still polling, so publications go back to
// plain stores, and the next sleep asks again.
func (s *spsc) unrequest(req *atomic.Uint32) {
	if s.requested {
		req.Store(0)
		s.requested = false
	}
}

// hdrAt is the header word at data offset off, which must be 8-aligned
// and below cap (every ring position is 8-aligned): no bounds check.
func (s *spsc) hdrAt(off uint64) *uint64 {
	return (*uint64)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(s.data)), off))
}

// payload is the n bytes after the header at data offset off, without a
// bounds check: the caller made sure that off+hdrSize+n is at most cap.
func (s *spsc) payload(off, n uint64) []byte {
	return unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(s.data)), off+hdrSize)), n)
}

// close marks the ring closed and wakes both sides.
func (s *spsc) close() {
	s.info.closed.Store(1)
	spinwait.Kick(s.cwait)
	spinwait.Kick(s.pwait)
}

func (s *spsc) closed() bool { return s.info.closed.Load() != 0 }

// wake clears a sleep announcement and wakes the sleeper, if there is one,
// and reports whether there was. The load is what the fast path pays: one
// read of a line that only changes when the peer goes to sleep.
func wake(word *atomic.Uint32) bool {
	if word.Load() == 0 {
		return false
	}
	word.Store(0)
	futex.Wake(word, 1)
	return true
}

func frameSize(n int) uint64 { return (uint64(n) + hdrSize + frameAln - 1) &^ (frameAln - 1) }

// frame is a header that frameAt decoded and checked.
type frame struct {
	off  uint64 // data offset of the header
	n    uint64 // payload bytes, which follow the header
	size uint64 // bytes the frame takes, header and alignment included
	pad  bool   // padding up to the end of the ring: skip it
}

// frameAt decodes the header at ring position pos, below end, the
// producer's published position (which loadTail checked: 8-aligned, at
// most a capacity ahead of the consumer). The header was written before
// end was published, so it is read with a plain load; but it is the
// peer's memory, so nothing in it is trusted before it is checked, and a
// header that fails returns ok false (corruptAt says why): the length must
// fit the ring, the frame must end by end and by the end of the ring, and
// padding must reach the end of the ring exactly. A frame that passes lies
// inside data.
func (s *spsc) frameAt(pos, end uint64) (frame, bool) {
	if f, ok := s.dataAt(pos, end); ok {
		return f, true
	}
	return s.padAt(pos, end)
}

// dataAt is frameAt for a frame that carries data, the common case, small
// enough to be inlined into the consumer's fast path: ok is false for
// padding as for garbage.
func (s *spsc) dataAt(pos, end uint64) (frame, bool) {
	off := pos & s.mask
	h := *s.hdrAt(off)
	size := frameSize(int(h))
	return frame{off: off, n: h, size: size}, h <= s.maxFrame && off+size <= s.cap && pos+size <= end
}

// padAt is frameAt for padding.
func (s *spsc) padAt(pos, end uint64) (frame, bool) {
	off := pos & s.mask
	h := *s.hdrAt(off)
	n := h &^ padFlag
	f := frame{off: off, n: n, size: hdrSize + n, pad: true}
	return f, h&padFlag != 0 && n < s.cap && off+f.size == s.cap && pos+f.size <= end
}

// corruptAt describes the header at pos that frameAt refused.
func (s *spsc) corruptAt(pos, end uint64) error {
	return fmt.Errorf("%w: frame header %#x at position %d, data published up to %d", ErrCorrupt, *s.hdrAt(pos & s.mask), pos, end)
}
