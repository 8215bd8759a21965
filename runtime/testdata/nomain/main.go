// Command nomain is a program that forgets to call runtime.Main: its
// workers run main again instead of tasks. TestForgottenMain runs it.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/shmrun/shmrun/runtime"
)

var square = runtime.Register("nomain.square", func(_ *runtime.Env, x int) (int, error) { return x * x, nil })

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	p, err := runtime.Start(ctx, &runtime.Options{Workers: 2, StartTimeout: 10 * time.Second})
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	p.Close(ctx)
	fmt.Println("started")
}
