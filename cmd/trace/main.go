// Command trace is a real-time ray tracer built on shmrun: worker processes
// render tiles straight into framebuffers in a shared arena, and the master
// encodes each finished frame from there while the workers render the next.
//
// Usage:
//
//	trace [flags]
//
// With no flags it renders frame 0 of the default scene to trace.png. Run
// trace -h for the flags and the scenes. Every output is opened before the
// first frame. On success trace prints one summary line on stderr (-q: none).
// The exit status is 0 on success, 2 for bad input (a flag, a size, a scene
// file, an output that cannot be written), 1 when rendering fails, and 130
// after Ctrl-C (143 after SIGTERM), once the frames done are reported and
// written; a second Ctrl-C kills it at once. With -view http it serves the
// last frame after the render until Ctrl-C, which then ends it with 0
// (-hold=false: it exits when the render ends).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	goruntime "runtime"

	"github.com/shmrun/shmrun/runtime"
)

func main() {
	runtime.Main() // a worker process stops here and runs tiles
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the process around it, for tests: it returns the
// exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "nats" {
		ctx, stop := onInterrupt(context.Background())
		defer stop()
		return runNATS(ctx, args[1:], stderr)
	}
	cfg, err := parseFlags(args, stdout)
	if errors.Is(err, errHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "trace:", err)
		return 2
	}
	if cpus := goruntime.NumCPU(); cfg.workers > 4*cpus && !cfg.quiet {
		fmt.Fprintf(stderr, "trace: warning: %d workers on %d CPUs, more than 4 a CPU: they start a few at a time and share the CPUs (slower, not faster)\n",
			cfg.workers, cpus)
	}
	ctx, stop := onInterrupt(context.Background())
	defer stop()
	if cfg.join != "" {
		return runHost(ctx, cfg, stderr)
	}
	err = renderAll(ctx, cfg, stderr)
	if in, ok := errors.AsType[*interrupted](err); ok {
		return in.status() // the summary said so
	}
	if err != nil {
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
