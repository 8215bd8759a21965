package ring_test

import (
	"context"
	"fmt"

	"github.com/shmrun/shmrun/arena"
	"github.com/shmrun/shmrun/ring"
)

// Example passes frames through an SPSC ring. Here both ends live in one
// process; in real use each runs in its own, on the same arena.
func Example() {
	// 1. The creator sizes and formats a region for the ring.
	a, err := arena.Create(1<<20, nil)
	if err != nil {
		panic(err)
	}
	defer a.Close()
	r, err := a.Alloc("jobs", ring.SPSCSize(4096), ring.KindSPSC)
	if err != nil {
		panic(err)
	}
	if err := ring.InitSPSC(r); err != nil {
		panic(err)
	}

	// 2. Each side opens its end.
	p, _ := ring.NewProducer(r, nil)
	c, _ := ring.NewConsumer(r, nil)
	ctx := context.Background()

	// 3. The producer writes two frames in place and publishes them with
	// one Flush, then sends a third on its own.
	for _, word := range []string{"alpha", "beta"} {
		buf, _ := p.Reserve(ctx, len(word))
		p.Commit(copy(buf, word))
	}
	p.Flush()
	_ = p.Send(ctx, []byte("gamma"))
	p.Close()

	// 4. The consumer reads until the ring is closed and drained.
	for {
		f, err := c.Next(ctx)
		if err != nil {
			fmt.Println(err)
			break
		}
		fmt.Println(string(f))
	}
	// Output:
	// alpha
	// beta
	// gamma
	// ring: closed
}
