package runtime_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/shmrun/shmrun/arena"
	"github.com/shmrun/shmrun/runtime"
)

// runMaster is the body of a child process that acts as a master, for
// tests about what happens to workers when their master dies.
func runMaster(mode string) int {
	p, err := runtime.Start(context.Background(), &runtime.Options{Workers: 2, ArenaSize: 256 << 20})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if mode == "touch" { // 128 MiB of arena memory actually in use
		r, err := p.Arena().Alloc("ballast", 128<<20, arena.KindBytes)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		b := r.Bytes()
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
	}
	for _, w := range p.Stats().Workers {
		fmt.Print(w.PID, " ")
	}
	fmt.Println()
	if mode == "exit" { // return from main without closing the pool
		return 0
	}
	if mode == "busy" { // keep the workers inside kernels
		for range 2 {
			spin.Submit(context.Background(), p, 0)
		}
	}
	time.Sleep(time.Hour)
	return 0
}
