package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"

	"github.com/shmrun/shmrun/cmd/trace/internal/output"
	"github.com/shmrun/shmrun/cmd/trace/internal/render"
	"github.com/shmrun/shmrun/cmd/trace/internal/scene"
	"github.com/shmrun/shmrun/runtime"
)

var errHelp = errors.New("help requested")

// config is what the flags ask for, checked.
type config struct {
	scene      string
	out        string // "none": write no file
	w, h       int
	spp        int // 0: the scene's own
	frames     int
	fps        float64 // 0: as fast as possible, fixed quality
	workers    int
	mode       runtime.Mode
	integrator string // "": the scene's own
	view       string
	hold       bool // -view http: serve the last frame until Ctrl-C
	timeline   string
	stats      string
	tile       int
	pin        bool
	quiet      bool
	fill       string         // "reproject" or "blocks": what untraced pixels are filled with
	pattern    render.Pattern // without -fps: the pixels each frame traces
	step       int            // the pixel step: one pixel traced per step x step block
	psnr       bool
	clusterConfig
}

// flags is the flag set of config c, with the flags that need checking
// or conversion going to size and mode.
func flags(c *config, size, mode, pattern *string) *flag.FlagSet {
	fs := flag.NewFlagSet("trace", flag.ContinueOnError)
	fs.StringVar(&c.scene, "scene", "default", "scene `NAME` ("+strings.Join(scene.Names(), ", ")+") or PATH of a .json scene file")
	fs.StringVar(&c.out, "o", "", "output `PATH`: .png (one frame, or numbered for several), .gif, .y4m, - (Y4M on stdout) or none;\n"+
		"default trace.png, or none with -view (a live view writes no file unless -o asks)")
	fs.StringVar(size, "size", "640x360", "frame size `WxH`")
	fs.IntVar(&c.spp, "spp", 0, "samples per pixel per frame (0: the scene's setting)")
	fs.IntVar(&c.frames, "frames", 1, "number of frames")
	fs.Float64Var(&c.fps, "fps", 0, "pace to this frame rate and adapt quality to hold it (0: as fast as possible, fixed quality)")
	fs.IntVar(&c.workers, "workers", goruntime.GOMAXPROCS(0), "number of workers")
	fs.StringVar(mode, "mode", "processes", "workers are `MODE`: processes or goroutines")
	fs.StringVar(&c.integrator, "integrator", "", "light transport `NAME`: whitted or path (default: the scene's setting)")
	fs.StringVar(&c.view, "view", "none", "live preview `VIEW`: none, term (on this terminal) or http=ADDR (a page at ADDR)")
	fs.BoolVar(&c.hold, "hold", true, "with -view http: after the render, keep serving its last frame until Ctrl-C (false: exit when it ends)")
	fs.StringVar(&c.timeline, "timeline", "", "write the runtime's Chrome trace-event timeline to `PATH`")
	fs.StringVar(&c.stats, "stats", "", "write frame statistics as JSON to `PATH`")
	fs.BoolVar(&c.pin, "pin", true, "bind each worker process to a CPU of its own (processes mode, no more workers than CPUs)")
	fs.IntVar(&c.tile, "tile", 64, "tile size in traced blocks: tiles are N pixels at pixel step 1 and grow with the step")
	fs.BoolVar(&c.quiet, "q", false, "quiet: no progress bar and no summary line (errors are still printed)")
	fs.StringVar(&c.fill, "fill", "reproject", "how a frame of an animation that does not trace every pixel (-fps, -step) fills the rest: `HOW` is\n"+
		"reproject (from the previous frame, following the camera and objects; a coarse step mixed bilinearly) or blocks (each traced pixel copied to its block)")
	fs.StringVar(pattern, "pattern", "all", "without -fps, the pixels each frame of an animation traces: `P` is all, half (a checkerboard),\n"+
		"quarter (one of each 2x2), sparse (quarter's, the others filled without a camera ray) or checker (half's, the same way);\n"+
		"the others are filled from the previous frame")
	fs.IntVar(&c.step, "step", 1, "pixel step: trace one pixel per `N`xN block (with -fps, the finest step used)")
	fs.BoolVar(&c.psnr, "psnr", false, "after the run, render the frames shown again at full quality and report their PSNR against it\n"+
		"(and check that replaying the run's qualities gives the same bytes)")
	clusterFlags(fs, &c.clusterConfig)
	return fs
}

// usage writes what -h shows: how to call trace, its scenes and flags.
func usage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(w, `Usage: trace [flags]
       trace -join nats://HOST:PORT [-workers N] [-token TOKEN]
       trace nats [-listen HOST:PORT] [-token TOKEN]

trace renders frames of a scene with worker processes. With no flags it
renders frame 0 of the default scene to trace.png. With -cluster or -nats
it also sends tiles to hosts: the same binary, run with -join on other
machines. trace nats runs a NATS server for -nats and -join.

Scenes: %s (or the path of a .json scene file)

Flags:
`, strings.Join(scene.Names(), ", "))
	fs.SetOutput(w)
	fs.PrintDefaults()
	fmt.Fprint(w, `
Exit status: 0 on success, 2 for bad input (a flag, a size, a scene, an
output that cannot be written), 1 when rendering fails, 130 on Ctrl-C
(143 on SIGTERM), after writing what the frames done allow. With -view
http, trace keeps serving the last frame after the render until Ctrl-C,
which then ends it with 0 (-hold=false: it exits when the render ends).
`)
}

// parseFlags parses and checks the command line. -h writes the usage to
// stdout and returns errHelp; a bad flag is a one-line error.
func parseFlags(args []string, stdout io.Writer) (config, error) {
	var c config
	var size, mode, pattern string
	fs := flags(&c, &size, &mode, &pattern)
	fs.SetOutput(io.Discard) // errors are returned, and the usage is for -h
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(stdout, fs)
			return c, errHelp
		}
		return c, flagError(fs, args, err)
	}
	if fs.NArg() > 0 {
		if fs.NArg() == len(args) && closest(args[0], []string{"nats"}) != "" {
			return c, fmt.Errorf("unexpected argument %q: did you mean trace nats?", args[0])
		}
		return c, fmt.Errorf("unexpected argument %q (flags come first; trace -h lists them)", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if !set["o"] {
		c.out = "trace.png"
		if c.view != "none" && c.view != "" {
			c.out = "none"
		}
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
		return c, fmt.Errorf("-mode %q: %swant processes or goroutines", mode, didYouMean(mode, "processes", "goroutines"))
	}
	if c.fill != "reproject" && c.fill != "blocks" {
		return c, fmt.Errorf("-fill %q: %swant reproject or blocks", c.fill, didYouMean(c.fill, "reproject", "blocks"))
	}
	if c.pattern, err = render.ParsePattern(pattern); err != nil {
		return c, fmt.Errorf("-pattern %q: %swant all, half, quarter, sparse or checker", pattern, didYouMean(pattern, "all", "half", "quarter", "sparse", "checker"))
	}
	if c.pattern != render.PatternAll && c.fps > 0 {
		return c, fmt.Errorf("-pattern %s with -fps: -fps picks each frame's pattern itself", pattern)
	}
	if c.step < 1 || c.step > 16 {
		return c, fmt.Errorf("-step %d: want 1 to 16", c.step)
	}
	if c.pattern != render.PatternAll && c.step > 1 {
		return c, fmt.Errorf("-pattern %s with -step %d: a pattern traces single pixels", pattern, c.step)
	}
	if c.integrator != "" {
		if _, err := render.ParseIntegrator(c.integrator); err != nil {
			return c, fmt.Errorf("-integrator %q: %swant whitted or path", c.integrator, didYouMean(c.integrator, "whitted", "path"))
		}
	}
	if err := c.check(); err != nil {
		return c, err
	}
	if err := c.checkCluster(set); err != nil {
		return c, err
	}
	return c, c.checkPaths()
}

// flagError turns the flag package's error into one line that names the
// flag meant, when an unknown flag looks like one.
func flagError(fs *flag.FlagSet, args []string, err error) error {
	name := unknownFlag(fs, args)
	hint := fs.Name() + " -h lists the flags"
	if name == "" {
		return fmt.Errorf("%w (%s)", err, hint)
	}
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	if near := closest(name, names); near != "" {
		return fmt.Errorf("%w: did you mean -%s? (%s)", err, near, hint)
	}
	return fmt.Errorf("%w (%s)", err, hint)
}

// unknownFlag returns the name of the first flag in args that fs does not
// define, reading args as the flag package does, or "" if there is none.
func unknownFlag(fs *flag.FlagSet, args []string) string {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if len(a) < 2 || a[0] != '-' || a == "--" {
			return ""
		}
		name, _, hasValue := strings.Cut(strings.TrimPrefix(a[1:], "-"), "=")
		f := fs.Lookup(name)
		if f == nil {
			return name
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); !hasValue && !(ok && b.IsBoolFlag()) {
			i++ // the flag's value
		}
	}
	return ""
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
