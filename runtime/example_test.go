package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/shmrun/shmrun/arena"
	"github.com/shmrun/shmrun/runtime"
)

// isPrime is registered in a package variable, so the master and every
// worker (the same binary) agree on it.
var isPrime = runtime.Register("example.isPrime", func(_ *runtime.Env, n int) (bool, error) {
	if n < 2 {
		return false, nil
	}
	for d := 2; d*d <= n; d++ {
		if n%d == 0 {
			return false, nil
		}
	}
	return true, nil
})

// Example_map tests numbers for primality in worker processes.
func Example_map() {
	ctx := context.Background()
	// 1. In a real program runtime.Main() comes first in main; the tests'
	// TestMain does it here.
	p, err := runtime.Start(ctx, &runtime.Options{Workers: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close(ctx)

	// 2. Map sends the items out in chunks and returns results in order.
	numbers := []int{2, 3, 4, 5, 97, 100, 7919}
	primes, err := runtime.Map(ctx, p, isPrime, numbers, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(primes)
	// Output: [true true false true true false true]
}

type stage struct{ In, Out runtime.ChanRef }

// words turns every number received on In into a word sent on Out, until
// In is closed and drained.
var words = runtime.Register("example.words", func(env *runtime.Env, s stage) (int, error) {
	in, err := runtime.OpenChan[int](env, s.In)
	if err != nil {
		return 0, err
	}
	out, err := runtime.OpenChan[string](env, s.Out)
	if err != nil {
		return 0, err
	}
	names := []string{"zero", "one", "two", "three"}
	n := 0
	for {
		v, err := in.Recv(env.Context())
		if errors.Is(err, runtime.ErrChanClosed) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		out.Send(env.Context(), names[v%4])
		n++
	}
})

// Example_pipeline streams values through a stage running in a worker
// process, and selects between its output and a timeout channel.
func Example_pipeline() {
	ctx := context.Background()
	p, err := runtime.Start(ctx, &runtime.Options{Workers: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close(ctx)

	// 1. Channels live in the arena; their refs are plain values that a
	// kernel opens in its own process.
	in, _ := runtime.NewChan[int](p, "numbers", 8, 16)
	out, _ := runtime.NewChan[string](p, "words", 8, 32)
	alarm, _ := runtime.NewChan[bool](p, "alarm", 1, 8)
	stageDone, _ := words.Submit(ctx, p, stage{In: in.Ref(), Out: out.Ref()})

	// 2. Feed the stage, then close its input: the poison that ends it.
	go func() {
		for i := range 3 {
			in.Send(ctx, i)
		}
		in.Close()
	}()

	// 3. Select over the stage's output and an alarm.
	var word string
	var rang bool
	for range 3 {
		i, err := runtime.Select(ctx, out.RecvCase(&word), alarm.RecvCase(&rang))
		if err != nil || i != 0 {
			fmt.Println("unexpected", i, err)
			return
		}
		fmt.Println(word)
	}
	n, err := stageDone.Wait(ctx)
	fmt.Println(n, err)
	// Output:
	// zero
	// one
	// two
	// 3 <nil>
}

// span is a slice of a float array in the arena, by index.
type span struct{ From, To int }

// sumSquares reduces its span of the shared array "samples" and writes the
// partial sum in place, at its own slot of "partials": no data travels in
// messages, only two indices.
var sumSquares = runtime.Register("example.sumSquares", func(env *runtime.Env, s span) (int, error) {
	samples, err := env.Arena().Region("samples")
	if err != nil {
		return 0, err
	}
	partials, err := env.Arena().Region("partials")
	if err != nil {
		return 0, err
	}
	xs := arena.View[float64](samples)
	if s.From < 0 || s.To > len(xs) || s.From > s.To {
		return 0, fmt.Errorf("span %v outside %d samples", s, len(xs))
	}
	var sum float64
	for _, x := range xs[s.From:s.To] {
		sum += x * x
	}
	slot := s.From / (s.To - s.From)
	arena.View[float64](partials)[slot] = sum // write, don't accumulate: a re-run gives the same
	return slot, nil
})

// Example_reduction computes a sum of squares over a large float array
// that lives in shared memory: workers read it in place and write their
// partial results in place.
func Example_reduction() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, err := runtime.Start(ctx, &runtime.Options{Workers: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close(ctx)

	// 1. Put a million samples in the arena, written once by the master.
	const n, parts = 1 << 20, 16
	samples, _ := p.Arena().Alloc("samples", 8*n, arena.KindBytes)
	partials, _ := p.Arena().Alloc("partials", 8*parts, arena.KindBytes)
	xs := arena.View[float64](samples)
	for i := range xs {
		xs[i] = math.Sin(float64(i))
	}

	// 2. Each task names a span; workers read the shared array directly.
	spans := make([]span, parts)
	for i := range spans {
		spans[i] = span{From: i * n / parts, To: (i + 1) * n / parts}
	}
	if _, err := runtime.Map(ctx, p, sumSquares, spans, &runtime.MapOptions{Chunk: 1}); err != nil {
		fmt.Println(err)
		return
	}

	// 3. The partial sums are already in place.
	var total float64
	for _, s := range arena.View[float64](partials) {
		total += s
	}
	fmt.Printf("sum of sin² over %d samples: %.1f\n", n, total)
	// Output: sum of sin² over 1048576 samples: 524287.8
}

// session stands for what is costly to make and belongs to one process: a
// connection, a cache, views of the arena opened once.
type session struct{ served int }

// sessions gives each worker process one session for the pool's life.
var sessions = runtime.NewLocal(func(*runtime.Scope) (*session, error) { return &session{}, nil }, nil)

// serve counts, in its process's session, the tasks it served.
var serve = runtime.Register("example.serve", func(env *runtime.Env, _ int) (int, error) {
	s, err := sessions.Get(env.Scope())
	if err != nil {
		return 0, err
	}
	s.served++
	return s.served, nil
})

// ExampleLocal keeps state in a worker process from task to task: made
// once, the first time a kernel asks, and kept until the pool closes.
func ExampleLocal() {
	ctx := context.Background()
	p, err := runtime.Start(ctx, &runtime.Options{Workers: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close(ctx)
	for i := range 3 {
		n, err := serve.Run(ctx, p, i)
		fmt.Println(n, err)
	}
	// Output:
	// 1 <nil>
	// 2 <nil>
	// 3 <nil>
}
