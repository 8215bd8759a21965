package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	goruntime "runtime"

	"github.com/shmrun/shmrun/cmd/trace/internal/output"
	"github.com/shmrun/shmrun/cmd/trace/internal/render"
	"github.com/shmrun/shmrun/runtime"
)

var errHelp = errors.New("help requested")

// config is what the flags ask for, checked.
type config struct {
	scene      string
	out        string
	w, h       int
	spp        int // 0: the scene's own
	frames     int
	fps        float64 // 0: as fast as possible, fixed quality
	workers    int
	mode       runtime.Mode
	integrator string // "": the scene's own
	view       string
	timeline   string
	stats      string
	tile       int
	pin        bool
	// pool, if set, adjusts the runtime's options (tests: short heartbeats,
	// more attempts under deliberate faults).
	pool func(*runtime.Options)
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	var size, mode string
	fs := flag.NewFlagSet("trace", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.scene, "scene", "default", "scene `NAME` (from scenes/) or PATH to a .json file")
	fs.StringVar(&c.out, "o", "trace.png", "output `PATH`: .png (one frame, or numbered for several), .gif, .y4m, - (Y4M on stdout), none")
	fs.StringVar(&size, "size", "640x360", "frame size `WxH`")
	fs.IntVar(&c.spp, "spp", 0, "samples per pixel per frame (0: the scene's setting)")
	fs.IntVar(&c.frames, "frames", 1, "number of frames")
	fs.Float64Var(&c.fps, "fps", 0, "pace to this frame rate and adapt quality to hold it (0: as fast as possible, fixed quality)")
	fs.IntVar(&c.workers, "workers", goruntime.GOMAXPROCS(0), "number of workers")
	fs.StringVar(&mode, "mode", "processes", "workers are `processes` or goroutines")
	fs.StringVar(&c.integrator, "integrator", "", "whitted or path (default: the scene's setting)")
	fs.StringVar(&c.view, "view", "none", "live preview: none, term, http=ADDR")
	fs.StringVar(&c.timeline, "timeline", "", "write the runtime's Chrome trace-event timeline to `PATH`")
	fs.StringVar(&c.stats, "stats", "", "write frame statistics as JSON to `PATH`")
	fs.BoolVar(&c.pin, "pin", true, "bind each worker process to a CPU of its own (processes mode, no more workers than CPUs)")
	fs.IntVar(&c.tile, "tile", 64, "tile size in traced blocks: tiles are N pixels at pixel step 1 and grow with the step")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, errHelp
		}
		return c, err // the flag package already printed the usage
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	var err error
	if c.w, c.h, err = output.ParseSize(size); err != nil {
		return c, err
	}
	switch mode {
	case "processes":
		c.mode = runtime.Processes
	case "goroutines":
		c.mode = runtime.Goroutines
	default:
		return c, fmt.Errorf("-mode %q: want processes or goroutines", mode)
	}
	if c.integrator != "" {
		if _, err := render.ParseIntegrator(c.integrator); err != nil {
			return c, fmt.Errorf("-integrator %q: want whitted or path", c.integrator)
		}
	}
	if err := c.check(); err != nil {
		return c, err
	}
	return c, c.checkPaths()
}

func (c *config) check() error {
	switch {
	case c.frames < 1 || c.frames > 1<<24:
		return fmt.Errorf("-frames %d: want 1 to %d", c.frames, 1<<24)
	case c.spp < 0 || c.spp > 65536:
		return fmt.Errorf("-spp %d: want 0 to 65536", c.spp)
	case c.fps < 0 || c.fps > 1000 || c.fps != c.fps:
		return fmt.Errorf("-fps %v: want 0 to 1000", c.fps)
	case c.workers < 1 || c.workers > 1024:
		return fmt.Errorf("-workers %d: want 1 to 1024", c.workers)
	case c.tile < 8 || c.tile > 1024:
		return fmt.Errorf("-tile %d: want 8 to 1024", c.tile)
	}
	return nil
}

// checkPaths refuses output paths in a directory that does not exist, so
// that a typo fails before a long render rather than after it.
func (c *config) checkPaths() error {
	for _, p := range []struct{ flag, path string }{{"-o", c.out}, {"-timeline", c.timeline}, {"-stats", c.stats}} {
		if p.path == "" || (p.flag == "-o" && (p.path == "-" || p.path == "none")) {
			continue
		}
		dir := filepath.Dir(p.path)
		fi, err := os.Stat(dir)
		switch {
		case err != nil:
			return fmt.Errorf("%s %s: directory %s does not exist", p.flag, p.path, dir)
		case !fi.IsDir():
			return fmt.Errorf("%s %s: %s is not a directory", p.flag, p.path, dir)
		}
	}
	return nil
}
