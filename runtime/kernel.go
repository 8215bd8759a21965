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
	// The codecs' layouts (see layoutOf): a map packs raw arguments back
	// to back, and plain ones are copied without the Codec interface.
	arg, out layout
}

// kernelInfo is the untyped face of a kernel: what a worker runs.
type kernelInfo struct {
	name string
	id   uint64
	// run runs the kernel over the n items of a task's args, adding each
	// item's outcome to out, which it expects reset to stride. It fails
	// only when the args do not hold n items.
	run func(env *Env, args *wire.Items, n uint32, out *wire.ValueWriter) error
	// stride is the size of every encoded result if the result codec
	// knows one (a raw codec's), else 0: the values' strided layout.
	stride uint32
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
	k := &Kernel[A, R]{args: args, argSize: sizerOf(args), res: res, arg: layoutOf(args), out: layoutOf(res)}
	k.info = &kernelInfo{name: name, id: kernelID(name), run: k.runner(fn), stride: k.out.stride}
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
