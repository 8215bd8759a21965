// Command trace is a real-time ray tracer built on shmrun: worker processes
// render tiles straight into framebuffers in a shared arena, and the master
// encodes each finished frame from there while the workers render the next.
//
// Usage:
//
//	trace [flags]
//
// With no flags it renders frame 0 of the default scene to trace.png. Run
// trace -h for the flags. The exit status is 0 on success, 2 for bad input
// (a flag, a size, a scene file) and 1 when rendering fails.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/shmrun/shmrun/runtime"
)

func main() {
	runtime.Main() // a worker process stops here and runs tiles
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the process around it, for tests.
func run(args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if errors.Is(err, errHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "trace:", err)
		return 2
	}
	if err := renderAll(cfg, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "trace:", err)
		var in *inputError
		if errors.As(err, &in) {
			return 2
		}
		return 1
	}
	return 0
}

// inputError marks an error caused by the user's input, for exit status 2.
type inputError struct{ err error }

func (e *inputError) Error() string { return e.err.Error() }
func (e *inputError) Unwrap() error { return e.err }

func badInput(err error) error { return &inputError{err} }
