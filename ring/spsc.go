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
// sits alone on its cache line; the futex words, written only by a side
// that goes to sleep, share one.
const (
	offHead    = 0   // consumer's release position, uint64
	offTail    = 64  // producer's published write position, uint64
	offCWait   = 128 // consumer's futex word: nonzero while it sleeps
	offPWait   = 132 // producer's futex word: nonzero while it sleeps
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
	// and load as a fence of its own would have
	fencesAsymmetric = 1
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
	info  *spscInfo
	data  []byte
	mask  uint64
	cap   uint64
	// maxFrame is MaxFrame(cap); a header that is at most this is a
	// frame's, not padding's, and its length fits the ring
	maxFrame uint64
	spin     *spinwait.Budget
	// handOff: sleeps give up the goroutine's P (Options.HandOff)
	handOff bool
	// asym: the ring's fences are fencesAsymmetric
	asym bool
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

// storePos publishes a position to the peer. With asymmetric fences it is
// a plain store where the hardware keeps stores in order (amd64): the
// frames or the space it publishes are visible before it, and the load of
// the peer's sleep word that follows may pass it, which the peer's
// fence.Heavy before its re-check makes harmless. Otherwise it is
// sync/atomic's Store, a full fence.
func (s *spsc) storePos(w *atomic.Uint64, v uint64) {
	if s.asym {
		storeOrdered(w, v)
		return
	}
	w.Store(v)
}

// announce sets a sleep word and orders it before the re-check of the
// peer's position that follows.
func (s *spsc) announce(word *atomic.Uint32) {
	word.Store(1)
	if s.asym {
		fence.Heavy()
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
