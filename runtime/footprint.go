package runtime

import (
	"fmt"

	"github.com/shmrun/shmrun/runtime/internal/wire"
)

// Span is bytes of an arena region that a task reads or writes in place:
// Count blocks of Len bytes, the first Offset bytes into the region and
// each next one Stride bytes after the previous. A rectangle of a
// row-major image is one Span: a block per row, Stride the row's length.
// Count 0 means one block.
type Span struct {
	Region        string
	Offset, Len   int
	Stride, Count int
}

// Footprint is what one task of a kernel touches in the arena besides its
// argument and result. A remote host (package cluster) has an arena of its
// own, laid out under the same region names, and only what a footprint
// names reaches it; a kernel declares its footprint with [Kernel.Remote].
type Footprint struct {
	// Shared names regions the task reads whole and that nobody changes
	// once a task that names them has been sent to a host (a scene). Each
	// reaches a host once, keyed by its content hash, before the first
	// task that needs it runs there.
	Shared []string
	// Reads are bytes of other regions the task reads: they travel with
	// each task sent to a host.
	Reads []Span
	// Writes are the bytes the task writes in place. A host sends them
	// back with the result, and the master writes them at the same offsets
	// of its own arena if that result is the one it takes: the first to
	// arrive, unless a local copy of the task (a hedge) is already writing
	// in place. A task must write all of them, with the same bytes each
	// time it runs (write, don't accumulate): a re-run or a hedge then
	// changes nothing.
	Writes []Span
	// Needs names regions the kernel looks up without reading or writing
	// them in this task (the other framebuffers of a set it opens at
	// once): a host allocates each, zeroed, at the master's size.
	Needs []string
}

// Remote lets the kernel's tasks run on remote hosts too (see package
// cluster), and says what a task touches in the arena: fn returns the
// footprint of the task of one argument. A nil fn declares a kernel that
// touches nothing but its argument and result. A kernel not declared
// remote runs on this machine's workers only: a host's arena holds only
// what footprints name, and a kernel that read anything else there would
// read zeros. fn runs in the master for every task sent to a host, and
// must be quick and pure. Call Remote where the kernel is registered, in
// a package variable; like Register, it panics once a pool has started or
// Main has run. It returns k.
func (k *Kernel[A, R]) Remote(fn func(arg A) Footprint) *Kernel[A, R] {
	registry.Lock()
	defer registry.Unlock()
	if registry.frozen {
		panic(fmt.Sprintf("shmrun: Remote(%q) after a pool started or Main ran", k.info.name))
	}
	k.info.remote = true
	if fn == nil {
		return k
	}
	k.info.footprint = func(item []byte) (Footprint, error) {
		a, err := k.args.Decode(item)
		if err != nil {
			return Footprint{}, fmt.Errorf("decode argument: %w", err)
		}
		return fn(a), nil
	}
	return k
}

// footprintOf is the footprint of a task: the union of its items'.
func footprintOf(k *kernelInfo, args []byte, stride, items uint32) (Footprint, error) {
	var fp Footprint
	if k.footprint == nil {
		return fp, nil
	}
	it := wire.ItemsOf(args, stride)
	for i := range items {
		item, err := it.Next()
		if err != nil {
			return fp, fmt.Errorf("item %d: %w", i, err)
		}
		one, err := k.footprint(item)
		if err != nil {
			return fp, fmt.Errorf("kernel %s: footprint of item %d: %w", k.name, i, err)
		}
		if i == 0 {
			fp = one
			continue
		}
		fp.Shared = append(fp.Shared, one.Shared...)
		fp.Reads = append(fp.Reads, one.Reads...)
		fp.Writes = append(fp.Writes, one.Writes...)
		fp.Needs = append(fp.Needs, one.Needs...)
	}
	return fp, nil
}
