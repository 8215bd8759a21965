package runtime

import (
	"fmt"
	"hash/fnv"
	"runtime/debug"
	"slices"
	"sync"

	"github.com/shmrun/shmrun/runtime/internal/wire"
)

// Kernel is a function registered by name, runnable in any worker. Master
// and workers are the same binary, so registering in a package-level
// variable (or in init) makes the same table in every process. A Kernel is
// safe for concurrent use.
type Kernel[A, R any] struct {
	info    *kernelInfo
	args    Codec[A]
	argSize sizer[A] // nil unless the codec knows sizes in advance
	res     Codec[R]
}

// kernelInfo is the untyped face of a kernel: what a worker runs.
type kernelInfo struct {
	name string
	id   uint64
	// call decodes one argument, runs the kernel and appends the encoded
	// result (or the error message) to out.
	call func(env *Env, arg, out []byte) ([]byte, wire.Status)
	// remote: the kernel may run on remote hosts (Kernel.Remote), with
	// footprint (nil: none) saying what one item's task touches.
	remote    bool
	footprint func(arg []byte) (Footprint, error)
}

var registry struct {
	sync.Mutex
	byID   map[uint64]*kernelInfo
	frozen bool
}

// Register registers fn under name with the default codecs (see CodecFor).
// It panics if the name is taken or if a pool was already started or Main
// already ran: kernels must be registered before either, identically in
// every process.
func Register[A, R any](name string, fn func(env *Env, arg A) (R, error)) *Kernel[A, R] {
	return RegisterCodec(name, fn, CodecFor[A](), CodecFor[R]())
}

// RegisterCodec is Register with explicit codecs for the argument and the
// result.
func RegisterCodec[A, R any](name string, fn func(env *Env, arg A) (R, error), args Codec[A], res Codec[R]) *Kernel[A, R] {
	k := &Kernel[A, R]{args: args, argSize: sizerOf(args), res: res}
	k.info = &kernelInfo{name: name, id: kernelID(name), call: k.call(fn)}
	registry.Lock()
	defer registry.Unlock()
	if registry.frozen {
		panic(fmt.Sprintf("shmrun: Register(%q) after a pool started or Main ran", name))
	}
	if registry.byID == nil {
		registry.byID = map[uint64]*kernelInfo{}
	}
	if old, ok := registry.byID[k.info.id]; ok {
		panic(fmt.Sprintf("shmrun: kernel %q registered twice (or its id collides with %q)", name, old.name))
	}
	registry.byID[k.info.id] = k.info
	return k
}

// Name returns the name the kernel was registered under.
func (k *Kernel[A, R]) Name() string { return k.info.name }

func (k *Kernel[A, R]) call(fn func(*Env, A) (R, error)) func(*Env, []byte, []byte) ([]byte, wire.Status) {
	return func(env *Env, src, out []byte) (res []byte, st wire.Status) {
		defer func() {
			if r := recover(); r != nil {
				res, st = appendPanic(out, r), wire.StatusPanic
			}
		}()
		a, err := k.args.Decode(src)
		if err != nil {
			return fmt.Appendf(out, "decode argument: %v", err), wire.StatusError
		}
		r, err := fn(env, a)
		if err != nil {
			return append(out, err.Error()...), errorStatus(err)
		}
		return k.res.Append(out, r), wire.StatusOk
	}
}

// appendPanic describes a recovered panic: its value and the top of its
// stack, apart (see wire.AppendPanic).
func appendPanic(out []byte, r any) []byte {
	stack := debug.Stack()
	const max = 4 << 10
	if len(stack) > max {
		stack = stack[:max]
	}
	return wire.AppendPanic(out, fmt.Append(nil, r), stack)
}

func kernelID(name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return h.Sum64()
}

// freezeKernels ends registration and returns the kernel table and its
// hash, which the handshake compares between master and worker.
func freezeKernels() (map[uint64]*kernelInfo, uint64) {
	registry.Lock()
	defer registry.Unlock()
	registry.frozen = true
	names := make([]string, 0, len(registry.byID))
	for _, k := range registry.byID {
		names = append(names, k.name)
	}
	slices.Sort(names)
	h := fnv.New64a()
	for _, n := range names {
		h.Write([]byte(n))
		h.Write([]byte{0})
	}
	return registry.byID, h.Sum64()
}
