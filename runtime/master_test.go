package runtime_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/shmrun/shmrun/runtime"
)

// runMaster is the body of a child process that acts as a master, for
// tests about what happens to workers when their master dies.
func runMaster(mode string) int {
	p, err := runtime.Start(context.Background(), &runtime.Options{Workers: 2})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	for _, w := range p.Stats().Workers {
		fmt.Print(w.PID, " ")
	}
	fmt.Println()
	if mode == "busy" { // keep the workers inside kernels
		for range 2 {
			spin.Submit(context.Background(), p, 0)
		}
	}
	time.Sleep(time.Hour)
	return 0
}
