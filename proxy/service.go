package proxy

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	goruntime "runtime"
	"sync"

	"github.com/shmrun/shmrun/proxy/internal/envelope"
	"github.com/shmrun/shmrun/runtime"
)

// Service is an object's methods, to serve under a name with Hub.Serve.
// Register methods with Method before serving; a Service may be served by
// one hub at a time, and its methods run concurrently, as many at once as
// calls arrive, up to the home's Options.Handlers.
type Service struct {
	name    string
	mu      sync.Mutex
	methods map[string]*method
	frozen  bool
	served  *served // while served; guarded by mu
}

// caller identifies the process a call came from.
type caller struct {
	endpoint int
	epoch    uint64
}

// method is a registered method, untyped: run decodes the argument,
// calls the function and appends the encoded result, or the error text, to
// out.
type method struct {
	name string
	sig  uint64
	run  func(ctx context.Context, from caller, arg, out []byte) ([]byte, envelope.Status)
}

// NewService returns an empty service that will be served as name, 1 to
// 40 bytes, unique among the pool's served objects.
func NewService(name string) *Service {
	return &Service{name: name, methods: map[string]*method{}}
}

// Name returns the name the service is served under.
func (s *Service) Name() string { return s.name }

// Method registers fn as the method name of svc, with the default codecs
// of package runtime for its argument and result (runtime.CodecFor: raw
// memory for pointer-free types, JSON for the rest). fn runs in the home
// process with a context that carries the caller's deadline and ends when
// the hub closes. An error it returns reaches the caller as a *RemoteError
// with its text; a panic is recovered and reported the same way. Method
// panics if svc already has a method of that name or was served: methods
// are fixed before an object is published.
func Method[A, R any](svc *Service, name string, fn func(ctx context.Context, arg A) (R, error)) {
	MethodCodec(svc, name, fn, runtime.CodecFor[A](), runtime.CodecFor[R]())
}

// MethodCodec is Method with explicit codecs. A caller must use the same
// argument and result types (its stub checks a signature of the types, not
// the codecs).
func MethodCodec[A, R any](svc *Service, name string, fn func(ctx context.Context, arg A) (R, error), args runtime.Codec[A], res runtime.Codec[R]) {
	svc.add(&method{name: name, sig: signature[A, R](), run: func(ctx context.Context, _ caller, src, out []byte) ([]byte, envelope.Status) {
		return runMethod(ctx, src, out, args, res, fn)
	}})
}

// internalMethod registers a method of the hub's own directory service,
// which needs to know who calls.
func internalMethod[A, R any](svc *Service, name string, fn func(ctx context.Context, from caller, arg A) (R, error)) {
	args, res := runtime.CodecFor[A](), runtime.CodecFor[R]()
	svc.add(&method{name: name, sig: signature[A, R](), run: func(ctx context.Context, from caller, src, out []byte) ([]byte, envelope.Status) {
		return runMethod(ctx, src, out, args, res, func(ctx context.Context, a A) (R, error) { return fn(ctx, from, a) })
	}})
}

func (s *Service) add(m *method) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.frozen {
		panic(fmt.Sprintf("proxy: method %s.%s registered after the service was served", s.name, m.name))
	}
	if _, ok := s.methods[m.name]; ok {
		panic(fmt.Sprintf("proxy: method %s.%s registered twice", s.name, m.name))
	}
	s.methods[m.name] = m
}

// runMethod decodes the argument, runs fn and appends its outcome to out.
// A panic in fn becomes StatusPanic with the value and the stack.
func runMethod[A, R any](ctx context.Context, src, out []byte, args runtime.Codec[A], res runtime.Codec[R],
	fn func(context.Context, A) (R, error)) (result []byte, st envelope.Status) {
	defer func() {
		if r := recover(); r != nil {
			result, st = appendPanic(out[:0], r), envelope.StatusPanic
		}
	}()
	a, err := args.Decode(src)
	if err != nil {
		return fmt.Appendf(out, "decode argument: %v", err), envelope.StatusBadArgument
	}
	r, err := fn(ctx, a)
	switch {
	case err == nil:
		return res.Append(out, r), envelope.StatusOk
	case errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil:
		return append(out, err.Error()...), envelope.StatusDeadline
	}
	return append(out, err.Error()...), envelope.StatusError
}

// appendPanic describes a recovered panic: its value, then the panicking
// goroutine's stack, cut at 4 KiB.
func appendPanic(out []byte, r any) []byte {
	out = fmt.Appendf(out, "%v\n", r)
	var stack [4 << 10]byte
	return append(out, stack[:goruntime.Stack(stack[:], false)]...)
}

// signature hashes the argument and result types (FNV-1a of their names),
// so that a call with other types than the method's fails cleanly instead
// of decoding the wrong bytes. Master and workers run the same binary, so
// the names agree.
func signature[A, R any]() uint64 {
	h := fnvString(fnvOffset, reflect.TypeFor[A]().String())
	h = fnvString(h, " -> ")
	return fnvString(h, reflect.TypeFor[R]().String())
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnvString(h uint64, s string) uint64 {
	for i := range len(s) {
		h = (h ^ uint64(s[i])) * fnvPrime
	}
	return h
}
