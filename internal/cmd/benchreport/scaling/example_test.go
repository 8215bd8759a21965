package scaling_test

import (
	"fmt"

	"github.com/shmrun/shmrun/internal/cmd/benchreport/scaling"
)

// Example predicts a render of 60 tiles a frame from its 1- and 2-worker
// frame times, the master's cost per task and the frame's memory traffic.
func Example() {
	w := scaling.Workload{
		T1: 40e-3, T2: 21e-3, // 40 ms a frame with 1 worker, 21 ms with 2
		TasksPerOp: 60, DispatchSec: 50e-6, // 60 tiles, 50 µs of dispatch each
		BytesPerOp: 640 * 360 * 4, Bandwidth: 10e9, // one RGBA frame, 10 GB/s
	}
	for _, n := range []int{2, 16, 64} {
		p, err := w.Predict(n)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%d workers: %5.2f ms a frame, %4.1fx, bound by %s\n", n, p.SecPerOp*1e3, p.Speedup, p.Bound)
	}
	// Output:
	// 2 workers: 21.00 ms a frame,  1.9x, bound by Amdahl
	// 16 workers:  4.38 ms a frame,  9.1x, bound by Amdahl
	// 64 workers:  3.00 ms a frame, 13.3x, bound by dispatch
}
