package proxy

import (
	"context"
	"fmt"
)

// dirName is the directory service's own name: entry 0, served by the
// master, through which workers reserve, publish and withdraw entries
// (only the master writes the directory).
const dirName = "shmrun.proxy"

// nameArg carries an object name as a pointer-free value.
type nameArg struct {
	Name [maxNameLen]byte
	Len  uint8
}

// entryArg names an entry, and in a reply says how the request went.
type entryArg struct {
	Index uint32
	Code  dirCode
	Gen   uint64
}

// dirCode is the outcome of a directory request, so that the worker can
// return the package's sentinel errors.
type dirCode uint32

const (
	dirOK dirCode = iota
	dirExists
	dirFull
	dirBadName
	dirUnknown
	dirStale
)

var dirErrors = [...]error{dirExists: ErrExists, dirFull: ErrDirectoryFull, dirBadName: ErrBadName,
	dirUnknown: ErrUnknownObject, dirStale: ErrHomeDied}

func (c dirCode) err(name string) error {
	if c == dirOK {
		return nil
	}
	if int(c) < len(dirErrors) {
		return fmt.Errorf("%w: %q", dirErrors[c], name)
	}
	return fmt.Errorf("%w: directory answered %d", ErrMalformed, c)
}

// directoryStubs are a worker's stubs for the master's directory service.
type directoryStubs struct {
	reserve           *Stub[nameArg, entryArg]
	publish, withdraw *Stub[entryArg, entryArg]
}

func newDirectoryStubs(h *Hub) *directoryStubs {
	obj := &Object{h: h, name: dirName, r: ref{index: 0, gen: 1, home: 0}}
	return &directoryStubs{
		reserve:  NewStub[nameArg, entryArg](obj, "reserve"),
		publish:  NewStub[entryArg, entryArg](obj, "publish"),
		withdraw: NewStub[entryArg, entryArg](obj, "withdraw"),
	}
}

// serveDirectory publishes the directory service as entry 0.
func (h *Hub) serveDirectory() error {
	svc := NewService(dirName)
	internalMethod(svc, "reserve", func(_ context.Context, from caller, a nameArg) (entryArg, error) {
		name := string(a.Name[:min(int(a.Len), maxNameLen)])
		if int(a.Len) > maxNameLen {
			return entryArg{Code: dirBadName}, nil
		}
		return h.reserveFor(name, from), nil
	})
	internalMethod(svc, "publish", func(_ context.Context, from caller, a entryArg) (entryArg, error) {
		return h.moveFor(a, from, entryReserved, entryLive), nil
	})
	internalMethod(svc, "withdraw", func(_ context.Context, from caller, a entryArg) (entryArg, error) {
		if r := h.moveFor(a, from, entryLive, entryFree); r.Code == dirOK {
			return r, nil
		}
		return h.moveFor(a, from, entryReserved, entryFree), nil
	})
	r, code := h.sh.reserve(dirName, 0, 0)
	if code != dirOK || r.index != 0 || r.gen != 1 {
		return fmt.Errorf("proxy: directory service: entry %d generation %d: %w", r.index, r.gen, code.err(dirName))
	}
	svc.frozen = true
	h.objs[0].Store(&served{svc: svc, ref: r})
	h.sh.setState(r, entryReserved, entryLive)
	return nil
}

// reserveFor reserves an entry for a process; master only.
func (h *Hub) reserveFor(name string, from caller) entryArg {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.sh.endpoint(from.endpoint).epoch.Load() != from.epoch {
		return entryArg{Code: dirStale}
	}
	r, code := h.sh.reserve(name, from.endpoint, from.epoch)
	return entryArg{Index: r.index, Gen: r.gen, Code: code}
}

// moveFor moves the caller's entry from one state to another; master only.
func (h *Hub) moveFor(a entryArg, from caller, src, dst entryState) entryArg {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.sh.setState(ref{index: a.Index, gen: a.Gen, home: from.endpoint}, src, dst) {
		return entryArg{Index: a.Index, Gen: a.Gen, Code: dirUnknown}
	}
	return a
}
