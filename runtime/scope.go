package runtime

import (
	"errors"
	"slices"
	"sync"

	"github.com/shmrun/shmrun/arena"
)

// ErrLocalSet is returned by Local.Set when the scope already holds a
// value for the Local.
var ErrLocalSet = errors.New("shmrun: local value already set")

// Scope is one process's part of one pool: the pool's arena as this
// process maps it, and the values of Locals this process made for the
// pool. The master has one scope per pool ([Pool.Scope]); so does each
// worker process, for its life ([Env.Scope]). Goroutine workers run in the
// master and share its scope. A Scope is safe for concurrent use.
type Scope struct {
	arena  *arena.Arena
	worker int // the worker process's index; -1 in the master

	mu     sync.Mutex
	vals   map[any]*localValue
	order  []*localValue // in the order they were made, for release
	closed bool
}

// localValue is one Local's value in a scope; mu serializes its making.
type localValue struct {
	mu      sync.Mutex
	v       any
	ok      bool
	release func()
}

func newScope(a *arena.Arena, worker int) *Scope {
	return &Scope{arena: a, worker: worker, vals: map[any]*localValue{}}
}

// Arena returns the pool's arena as this process maps it.
func (s *Scope) Arena() *arena.Arena { return s.arena }

// Worker returns the index of the worker process the scope belongs to, or
// -1 for the master's (which goroutine workers share).
func (s *Scope) Worker() int { return s.worker }

// slot returns the value slot of key, or nil once the scope is closed.
func (s *Scope) slot(key any) *localValue {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	lv := s.vals[key]
	if lv == nil {
		lv = &localValue{}
		s.vals[key] = lv
	}
	return lv
}

// made records that lv now holds a value, for release at close; it
// reports false if the scope closed meanwhile.
func (s *Scope) made(lv *localValue) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.order = append(s.order, lv)
	return true
}

// close releases the scope's values, the last made first. Locals asked for
// afterwards fail with ErrClosed.
func (s *Scope) close() {
	s.mu.Lock()
	s.closed = true
	order := s.order
	s.order = nil
	s.mu.Unlock()
	for _, lv := range slices.Backward(order) {
		lv.mu.Lock()
		if lv.ok && lv.release != nil {
			lv.release()
		}
		lv.ok, lv.v = false, nil
		lv.mu.Unlock()
	}
}

// Local is a value that each process of a pool keeps for that pool: made
// the first time the process asks for it, shared by everything in the
// process that asks after, and released when the pool closes (in a worker
// process: when the process ends). Kernels use it for what outlives one
// task but belongs to one process and one pool: a client of an object in
// another process, views of the arena opened once. A Local is safe for
// concurrent use; declare it in a package variable.
type Local[T any] struct {
	make    func(*Scope) (T, error)
	release func(T)
}

// NewLocal returns a Local whose value make makes, in the scope it is
// asked for, and release (if not nil) releases when the scope closes.
func NewLocal[T any](make func(*Scope) (T, error), release func(T)) *Local[T] {
	return &Local[T]{make: make, release: release}
}

// Get returns the scope's value, making it if it has none. Concurrent
// Gets of the same value wait for one make; an error is returned, not
// kept, so a later Get tries again. Get fails with ErrClosed once the
// pool has closed.
func (l *Local[T]) Get(s *Scope) (T, error) {
	var zero T
	lv := s.slot(l)
	if lv == nil {
		return zero, ErrClosed
	}
	lv.mu.Lock()
	defer lv.mu.Unlock()
	if lv.ok {
		return lv.v.(T), nil
	}
	v, err := l.make(s)
	if err != nil {
		return zero, err
	}
	if err := l.keep(s, lv, v); err != nil {
		if l.release != nil {
			l.release(v)
		}
		return zero, err
	}
	return v, nil
}

// Set gives the scope its value, made elsewhere (the master's side of an
// object, say), so that Get returns it. It fails with ErrLocalSet if the
// scope already holds one, and with ErrClosed once the pool has closed.
func (l *Local[T]) Set(s *Scope, v T) error {
	lv := s.slot(l)
	if lv == nil {
		return ErrClosed
	}
	lv.mu.Lock()
	defer lv.mu.Unlock()
	if lv.ok {
		return ErrLocalSet
	}
	return l.keep(s, lv, v)
}

// keep stores v in lv, unless the scope closed meanwhile.
func (l *Local[T]) keep(s *Scope, lv *localValue, v T) error {
	if !s.made(lv) {
		return ErrClosed
	}
	lv.v, lv.ok = v, true
	if l.release != nil {
		lv.release = func() { l.release(v) }
	}
	return nil
}
