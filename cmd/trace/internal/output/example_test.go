package output_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/shmrun/shmrun/cmd/trace/internal/frametest"
	"github.com/shmrun/shmrun/cmd/trace/internal/output"
)

// ExampleOpen renders a three-frame run to "trace.png", which becomes a
// numbered sequence.
func ExampleOpen() {
	dir, err := os.MkdirTemp("", "trace")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	// 1. Open the sink named by -o, knowing the size and frame count.
	const frames = 3
	sink, err := output.Open(filepath.Join(dir, "trace.png"), 64, 36, 30, frames)
	if err != nil {
		fmt.Println(err)
		return
	}
	// 2. Hand it each finished frame; it is read before WriteFrame returns.
	for n := range frames {
		if err := sink.WriteFrame(frametest.New(64, 36, n), n); err != nil {
			fmt.Println(err)
		}
	}
	// 3. Close flushes whatever the format buffers.
	if err := sink.Close(); err != nil {
		fmt.Println(err)
	}

	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, f := range files {
		fmt.Println(filepath.Base(f))
	}
	// Output:
	// trace_0000.png
	// trace_0001.png
	// trace_0002.png
}
