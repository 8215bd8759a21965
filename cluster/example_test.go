package cluster_test

import (
	"context"
	"fmt"

	"github.com/shmrun/shmrun/cluster"
	"github.com/shmrun/shmrun/runtime"
)

// A master and one host. The host is normally the same binary on another
// machine, started to join (trace -join nats://MASTER:4222, or any shmrun
// program that imports cluster, run with SHMRUN_JOIN set); here it is a
// goroutine of this process, with a pool of its own.
func Example() {
	ctx := context.Background()
	// 1. The master: a pool, opened to hosts by an embedded NATS server.
	pool, err := runtime.Start(ctx, &runtime.Options{Workers: 1})
	if err != nil {
		panic(err)
	}
	c, err := cluster.Serve(ctx, pool, &cluster.Options{Listen: "127.0.0.1:0"})
	if err != nil {
		panic(err)
	}
	// 2. A host joins.
	left := make(chan error, 1)
	go func() { left <- cluster.Join(ctx, c.URL(), &cluster.HostOptions{Workers: 1}) }()
	fmt.Println("hosts:", c.WaitHosts(ctx, 1))
	// 3. Tasks of kernels declared Remote run on the master's workers and
	// on the host's alike.
	squares, err := runtime.Map(ctx, pool, square, []int{1, 2, 3, 4}, &runtime.MapOptions{Chunk: 1})
	fmt.Println(squares, err)
	// 4. The pool closes first, which tells the host to leave, then the
	// cluster.
	pool.Close(ctx)
	c.Close()
	fmt.Println("host left:", <-left)
	// Output:
	// hosts: 1
	// [1 4 9 16] <nil>
	// host left: <nil>
}
