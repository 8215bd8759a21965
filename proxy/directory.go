package proxy

import (
	"encoding/binary"
	"fmt"
)

// ref is what a lookup finds: an entry of the directory as it was.
type ref struct {
	index uint32
	gen   uint64
	home  int
	epoch uint64 // the home's epoch when it served the object
}

// setName stores name, at most maxNameLen bytes, in e. Master only.
func (e *entry) setName(name string) {
	var b [maxNameLen]byte
	copy(b[:], name)
	for i := range e.name {
		e.name[i].Store(binary.LittleEndian.Uint64(b[8*i:]))
	}
	e.nameLen.Store(uint32(len(name)))
}

// loadName reads e's name into b and returns its length, or -1 if the
// stored length is impossible.
func (e *entry) loadName(b *[maxNameLen]byte) int {
	n := int(e.nameLen.Load())
	if n > maxNameLen {
		return -1
	}
	for i := range e.name {
		binary.LittleEndian.PutUint64(b[8*i:], e.name[i].Load())
	}
	return n
}

// read returns a consistent snapshot of entry i with its name: the state
// word did not change while the other words were read. ok is false for an
// entry that is being rewritten or holds an impossible value.
func (s *shared) read(i int, name *[maxNameLen]byte) (r ref, st entryState, n int, ok bool) {
	e := &s.dir[i]
	for range 4 {
		v := e.state.Load()
		gen, raw := unpack(v)
		n = e.loadName(name)
		r = ref{index: uint32(i), gen: gen, home: int(e.home.Load()), epoch: e.epoch.Load()}
		if e.state.Load() != v {
			continue
		}
		if n < 0 || r.home >= s.endpoints {
			return r, 0, 0, false
		}
		return r, entryState(raw), n, true
	}
	return r, 0, 0, false
}

// lookup finds the object called name: a live entry, or ErrHomeDied for one
// whose home died, or ErrUnknownObject. Any process may look up.
func (s *shared) lookup(name string) (ref, error) {
	var b [maxNameLen]byte
	for i := range s.dir {
		r, st, n, ok := s.read(i, &b)
		if !ok || string(b[:n]) != name {
			continue
		}
		switch st {
		case entryLive:
			return r, nil
		case entryDead:
			return r, fmt.Errorf("%w: %q", ErrHomeDied, name)
		}
	}
	return ref{}, fmt.Errorf("%w: %q", ErrUnknownObject, name)
}

// reserve claims an entry for name in home's name, not yet callable:
// lookups skip it until it is published. A name may be live or reserved
// once; the entry of a dead object of the same name is reused. Master
// only, under the hub's lock.
func (s *shared) reserve(name string, home int, epoch uint64) (ref, dirCode) {
	if len(name) == 0 || len(name) > maxNameLen {
		return ref{}, dirBadName
	}
	var b [maxNameLen]byte
	free := -1
	for i := range s.dir {
		_, st, n, ok := s.read(i, &b)
		same := ok && string(b[:n]) == name
		switch {
		case same && (st == entryLive || st == entryReserved):
			return ref{}, dirExists
		case same && st == entryDead:
			free = i
		case free < 0 && (st == entryFree || !ok):
			free = i
		}
	}
	if free < 0 {
		return ref{}, dirFull
	}
	e := &s.dir[free]
	gen, _ := unpack(e.state.Load())
	gen++
	e.state.Store(pack(gen, uint8(entryReserved)))
	e.setName(name)
	e.home.Store(uint32(home))
	e.epoch.Store(epoch)
	return ref{index: uint32(free), gen: gen, home: home, epoch: epoch}, dirOK
}

// setState moves entry r from one state to another if it still holds r's
// generation and home. Master only, under the hub's lock.
func (s *shared) setState(r ref, from, to entryState) bool {
	if int(r.index) >= len(s.dir) {
		return false
	}
	e := &s.dir[r.index]
	if int(e.home.Load()) != r.home {
		return false
	}
	return e.state.CompareAndSwap(pack(r.gen, uint8(from)), pack(r.gen, uint8(to)))
}

// markDead marks every entry homed at endpoint home dead, reserved ones
// included. Master only, under the hub's lock.
func (s *shared) markDead(home int) {
	for i := range s.dir {
		e := &s.dir[i]
		v := e.state.Load()
		gen, st := unpack(v)
		if (entryState(st) == entryLive || entryState(st) == entryReserved) && int(e.home.Load()) == home {
			e.state.CompareAndSwap(v, pack(gen, uint8(entryDead)))
		}
	}
}
