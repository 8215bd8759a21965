package arena

import (
	"fmt"
	"os"
	"slices"
	"sync"

	"github.com/edsrzf/mmap-go"
)

// Options configures Create. The zero value is valid.
type Options struct {
	// Label names the memfd for humans (it shows in /proc/PID/fd and
	// /proc/PID/maps); it does not make the arena reachable by name.
	// Default "shmrun".
	Label string

	// MaxRegions is the capacity of the region directory. Default
	// DefaultMaxRegions (16 KiB of directory).
	MaxRegions int

	// Name, if set, makes the arena reachable by name instead of only
	// through its descriptor: it becomes the file /dev/shm/Name (where
	// shm_open puts its objects), created exclusively with mode 0600, that
	// AttachNamed opens and Close removes. A named file cannot be sealed:
	// see the package documentation. Empty (the default) keeps the arena
	// an anonymous, sealed memfd.
	Name string
}

// Arena is a block of shared memory mapped into this process. Its methods are
// safe for concurrent use by multiple goroutines. See the package
// documentation for who may allocate and for the caveats of shared memory.
type Arena struct {
	mu      sync.Mutex
	f       *os.File
	mem     mmap.MMap
	hdr     *header
	data    uint64 // offset of the data area; immutable
	dirCap  uint32 // capacity of the directory; immutable
	creator bool
	closed  bool
	used    uint64            // creator only: next free byte
	regions map[string]Region // creator: authoritative; others: checked cache
	order   []Info            // creator only: the directory, in allocation order
	path    string            // creator of a named arena: the file Close removes
}

// Create makes a new arena of at least size bytes (rounded up to whole
// pages), maps it and, unless it is named, seals it against resizing. The
// caller owns the arena and must Close it; the memory itself lives until the
// last process holding its file or a mapping exits or closes it. A named
// arena fails with an error wrapping fs.ErrExist when its name is taken.
func Create(size int, o *Options) (*Arena, error) {
	if o == nil {
		o = &Options{}
	}
	label, dirCap := o.Label, o.MaxRegions
	if label == "" {
		label = "shmrun"
	}
	if dirCap == 0 {
		dirCap = DefaultMaxRegions
	}
	if dirCap < 0 || dirCap > 1<<20 {
		return nil, fmt.Errorf("arena: create: MaxRegions %d out of range [1, %d]", dirCap, 1<<20)
	}
	data := dataStart(dirCap)
	if size <= 0 || uint64(size) < data {
		return nil, fmt.Errorf("arena: create: size %d is smaller than the header and directory (%d bytes)", size, data)
	}
	total := alignUp(uint64(size), uint64(os.Getpagesize()))
	f, path, err := newFile(label, o.Name, int64(total))
	if err != nil {
		return nil, fmt.Errorf("arena: create %d bytes: %w", total, err)
	}
	a, err := format(f, total, dirCap, data, path == "")
	if err != nil {
		removeNamed(f, path)
		f.Close()
		return nil, fmt.Errorf("arena: create: %w", err)
	}
	a.path = path
	return a, nil
}

// newFile makes the arena's file: an anonymous memfd, or the named file.
func newFile(label, name string, size int64) (*os.File, string, error) {
	if name == "" {
		f, err := newMemfd(label, size)
		return f, "", err
	}
	path, err := namedPath(name)
	if err != nil {
		return nil, "", err
	}
	f, err := createNamed(path, size)
	return f, path, err
}

// format maps a new arena's file, writes its header and seals it.
func format(f *os.File, total uint64, dirCap int, data uint64, sealed bool) (*Arena, error) {
	mem, err := mmap.MapRegion(f, int(total), mmap.RDWR, 0, 0)
	if err != nil {
		return nil, fmt.Errorf("map %d bytes: %w", total, err)
	}
	a := &Arena{f: f, mem: mem, hdr: headerAt(mem), data: data, dirCap: uint32(dirCap),
		creator: true, used: data, regions: map[string]Region{}}
	a.restoreHeader()
	if sealed {
		if err := seal(f); err != nil {
			mem.Unmap()
			return nil, err
		}
	}
	return a, nil
}

// Attach maps the arena behind f, a file inherited from the process that
// created it, and checks its seals and header. On success the Arena owns f
// and closes it in Close; on error f is left open for the caller.
func Attach(f *os.File) (*Arena, error) {
	if err := checkSealed(f); err != nil {
		return nil, fmt.Errorf("arena: attach: %w", err)
	}
	return attach(f)
}

// attach maps f, whose seals (or privacy) the caller checked, and checks
// its size and header.
func attach(f *os.File) (*Arena, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("arena: attach: %w", err)
	}
	size := fi.Size()
	if size < headerSize || size%int64(os.Getpagesize()) != 0 || int64(int(size)) != size {
		return nil, fmt.Errorf("%w: file of %d bytes cannot hold an arena", ErrBadHeader, size)
	}
	mem, err := mmap.MapRegion(f, int(size), mmap.RDWR, 0, 0)
	if err != nil {
		return nil, fmt.Errorf("arena: attach: map %d bytes: %w", size, err)
	}
	h := headerAt(mem)
	l := readLayout(h) // once: the shared header may change under us
	if err := checkLayout(l, uint64(size)); err != nil {
		mem.Unmap()
		return nil, fmt.Errorf("arena: attach: %w", err)
	}
	return &Arena{f: f, mem: mem, hdr: h, data: l.data, dirCap: l.dirCap, regions: map[string]Region{}}, nil
}

// File returns the arena's file, to hand to another process (for instance in
// exec.Cmd.ExtraFiles). The Arena keeps ownership: do not close it.
func (a *Arena) File() *os.File { return a.f }

// Size returns the size of the mapping in bytes.
func (a *Arena) Size() int { return len(a.mem) }

// Free returns how many bytes Alloc can still hand out, before alignment.
// It is zero in a process that did not create the arena.
func (a *Arena) Free() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.creator || a.closed {
		return 0
	}
	return len(a.mem) - int(a.used)
}

// Alloc allocates a region of size bytes aligned to Alignment and publishes
// it under name, which must be 1 to MaxNameLen bytes and unique in the arena.
// The new region's memory is zero. Alloc fails with ErrNotOwner in a process
// that attached instead of creating, ErrExists for a taken name and
// ErrNoSpace when the memory or the directory is exhausted.
func (a *Arena) Alloc(name string, size int, kind Kind) (Region, error) {
	return a.AllocAligned(name, size, Alignment, kind)
}

// AllocAligned is Alloc with a larger alignment, a power of two of at least
// Alignment (4096 gives a region of whole pages).
func (a *Arena) AllocAligned(name string, size, align int, kind Kind) (Region, error) {
	if len(name) == 0 || len(name) > MaxNameLen {
		return Region{}, fmt.Errorf("arena: alloc %q: name must be 1 to %d bytes", name, MaxNameLen)
	}
	if size < 0 || align < Alignment || align&(align-1) != 0 {
		return Region{}, fmt.Errorf("arena: alloc %q: bad size %d or alignment %d", name, size, align)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case a.closed:
		return Region{}, fmt.Errorf("arena: alloc %q: %w", name, ErrClosed)
	case !a.creator:
		return Region{}, fmt.Errorf("arena: alloc %q: %w", name, ErrNotOwner)
	}
	if _, ok := a.regions[name]; ok {
		return Region{}, fmt.Errorf("arena: alloc %q: %w", name, ErrExists)
	}
	n := uint32(len(a.order)) // never the shared count, which workers can write
	off := alignUp(a.used, uint64(align))
	if n == a.dirCap {
		return Region{}, fmt.Errorf("arena: alloc %q: %w: directory full (%d regions)", name, ErrNoSpace, n)
	}
	if off > uint64(len(a.mem)) || uint64(size) > uint64(len(a.mem))-off {
		return Region{}, fmt.Errorf("arena: alloc %q: %w: %d bytes wanted, %d free", name, ErrNoSpace, size, len(a.mem)-int(a.used))
	}
	*entryAt(a.mem, int(n)) = newEntry(off, uint64(size), kind, name)
	a.hdr.count.Store(n + 1) // publish: other processes may now see it
	a.used = off + uint64(size)
	r := Region{name: name, off: int64(off), kind: kind, mem: a.mem[off : off+uint64(size) : off+uint64(size)]}
	a.regions[name] = r
	a.order = append(a.order, Info{Name: name, Offset: r.off, Len: int64(size), Kind: kind})
	return r, nil
}

// Region finds the region called name. In the creating process it answers
// from a private directory; elsewhere it reads the shared directory and
// checks the entry it finds, returning ErrBadRegion for a corrupt one and
// ErrNotFound when no published entry has the name.
func (a *Arena) Region(name string) (Region, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return Region{}, fmt.Errorf("arena: region %q: %w", name, ErrClosed)
	}
	if r, ok := a.regions[name]; ok {
		return r, nil
	}
	if a.creator {
		return Region{}, fmt.Errorf("arena: region %q: %w", name, ErrNotFound)
	}
	n := min(a.hdr.count.Load(), a.dirCap)
	for i := range int(n) {
		// A private copy: another process may write the shared slot
		// while it is read, and a length checked in one read and used in
		// the next would not be the length checked.
		e := sharedEntry(a.mem, i)
		if !e.hasName(name) {
			continue
		}
		if err := checkEntry(&e, a.data, uint64(len(a.mem))); err != nil {
			return Region{}, fmt.Errorf("arena: region %q: %w", name, err)
		}
		end := e.off + e.length
		r := Region{name: name, off: int64(e.off), kind: Kind(e.kind), mem: a.mem[e.off:end:end]}
		a.regions[name] = r
		return r, nil
	}
	return Region{}, fmt.Errorf("arena: region %q: %w", name, ErrNotFound)
}

// Regions lists the regions this process knows of: in the creator all of
// them, from its private directory; elsewhere every well-formed published
// entry of the shared one.
func (a *Arena) Regions() []Info {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return nil
	}
	if a.creator {
		return slices.Clone(a.order)
	}
	var out []Info
	n := min(a.hdr.count.Load(), a.dirCap)
	for i := range int(n) {
		e := sharedEntry(a.mem, i) // a private copy, as in Region
		if checkEntry(&e, a.data, uint64(len(a.mem))) == nil {
			out = append(out, Info{Name: e.nameString(), Offset: int64(e.off), Len: int64(e.length), Kind: Kind(e.kind)})
		}
	}
	return out
}

// Slice returns the n bytes at offset off, after checking that they lie in
// the arena's data area (past the header and directory). Use it to resolve an
// (offset, length) pair read from a message or from shared memory. Slice
// takes no lock, for hot paths; it must not be called after Close.
func (a *Arena) Slice(off, n int64) ([]byte, error) {
	data, size := int64(a.data), int64(len(a.mem))
	if off < data || n < 0 || off > size || n > size-off {
		return nil, fmt.Errorf("%w: [%d, +%d) outside the data area [%d, %d)", ErrBadRegion, off, n, data, size)
	}
	return a.mem[off : off+n : off+n], nil
}

// Close unmaps the arena and closes its file; the creator of a named arena
// also removes its name, so no new process can attach (those attached keep
// their mapping). Every view obtained from it becomes invalid: touching one
// afterwards faults. Close is idempotent.
func (a *Arena) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return nil
	}
	a.closed = true
	err := a.mem.Unmap()
	if rerr := removeNamed(a.f, a.path); err == nil {
		err = rerr
	}
	if cerr := a.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("arena: close: %w", err)
	}
	return nil
}
