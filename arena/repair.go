package arena

import "fmt"

// Repair rewrites the shared header and region directory from the creator's
// private copy, where any process that maps the arena may have written over
// them, and reports whether any byte was wrong. Call it before starting a
// process that will Attach: a header left corrupt by a crashed or hostile
// process would make that Attach fail with ErrBadHeader. Region memory is
// not touched. Repair is safe for concurrent use with the Arena's other
// methods, and with processes reading the header or attaching meanwhile
// (they check everything they read, and the directory is rewritten before
// the count that publishes it). It fails with ErrNotOwner in a process that
// attached instead of creating the arena, and ErrClosed after Close.
func (a *Arena) Repair() (bool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case a.closed:
		return false, fmt.Errorf("arena: repair: %w", ErrClosed)
	case !a.creator:
		return false, fmt.Errorf("arena: repair: %w", ErrNotOwner)
	}
	fixed := a.restoreDirectory()
	return a.restoreHeader() || fixed, nil
}

// restoreDirectory rewrites the directory slots that differ from the
// private directory; slots past the published ones become zero.
func (a *Arena) restoreDirectory() bool {
	fixed := false
	for i := range int(a.dirCap) {
		var want entry
		if i < len(a.order) {
			r := a.order[i]
			want = newEntry(uint64(r.Offset), uint64(r.Len), r.Kind, r.Name)
		}
		if e := entryAt(a.mem, i); *e != want {
			*e = want
			fixed = true
		}
	}
	return fixed
}

// restoreHeader writes the header fields that differ from what the creator
// knows, the publishing count last: a reader that sees the right count also
// sees the directory entries restoreDirectory rewrote before it. Create
// uses it to write the header in the first place.
func (a *Arena) restoreHeader() bool {
	h := a.hdr
	fixed := restore(&h.version, Version)
	fixed = restore(&h.dirCap, a.dirCap) || fixed
	fixed = restore(&h.size, uint64(len(a.mem))) || fixed
	fixed = restore(&h.data, a.data) || fixed
	fixed = restore(&h.reserved, [len(h.reserved)]byte{}) || fixed
	fixed = restore(&h.magic, magic) || fixed
	if n := uint32(len(a.order)); h.count.Load() != n {
		h.count.Store(n)
		fixed = true
	}
	return fixed
}

// restore sets *p to want unless it holds want already, and reports
// whether it wrote: an intact word is left alone, not even rewritten.
func restore[T comparable](p *T, want T) bool {
	if *p == want {
		return false
	}
	*p = want
	return true
}
