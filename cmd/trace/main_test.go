package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/internal/faults"
	"github.com/shmrun/shmrun/internal/placement"
	"github.com/shmrun/shmrun/runtime"
)

// TestMain makes the test binary its own worker, as main does.
func TestMain(m *testing.M) {
	placement.Serve()
	runtime.Main()
	code := m.Run()
	removeBuiltTrace()
	os.Exit(code)
}

// trace runs the CLI with args and returns its exit status and stderr.
func trace(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stderr.String()
}

// frames renders and returns the bytes of each numbered PNG frame.
func frames(t *testing.T, args ...string) [][]byte {
	t.Helper()
	dir := t.TempDir()
	code, stderr := trace(t, append(args, "-o", filepath.Join(dir, "f.png"))...)
	require.Equal(t, 0, code, stderr)
	files, err := filepath.Glob(filepath.Join(dir, "f*.png"))
	require.NoError(t, err)
	var out [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		out = append(out, b)
	}
	require.NotEmpty(t, out)
	return out
}

func TestSameBytesWhateverTheWorkersOrMode(t *testing.T) {
	for _, sc := range []string{"default", "cornell"} {
		t.Run(sc, func(t *testing.T) {
			common := []string{"-scene", sc, "-size", "96x54", "-frames", "3", "-spp", "2"}
			want := frames(t, append(common, "-workers", "1")...)
			require.Len(t, want, 3)
			for _, extra := range [][]string{{"-workers", "2"}, {"-mode", "goroutines", "-workers", "2"}, {"-workers", "2", "-tile", "13"}} {
				got := frames(t, append(common, extra...)...)
				for i := range want {
					assert.True(t, bytes.Equal(want[i], got[i]), "frame %d differs with %v", i, extra)
				}
			}
		})
	}
}

func TestProgressiveAccumulation(t *testing.T) {
	// A static scene rendered frame after frame refines one image: frame k
	// holds (k+1)*spp samples. Rendering 4 frames of 1 spp must equal the
	// last pass of an identical run, whatever the worker count.
	a := frames(t, "-scene", "cornell", "-size", "64x36", "-frames", "4", "-spp", "1", "-workers", "1")
	b := frames(t, "-scene", "cornell", "-size", "64x36", "-frames", "4", "-spp", "1", "-workers", "2", "-tile", "9")
	require.Len(t, a, 4)
	for i := range a {
		assert.True(t, bytes.Equal(a[i], b[i]), "pass %d", i)
	}
	assert.False(t, bytes.Equal(a[0], a[3]), "later passes add samples")
}

// workerPIDs lists this process's children that are worker processes.
func workerPIDs(t *testing.T) []int { return childPIDs(t, os.Getpid()) }

// childPIDs lists the live (not zombie) children of process parent.
func childPIDs(t *testing.T, parent int) []int {
	t.Helper()
	_, err := os.Stat("/proc/self/stat")
	require.NoError(t, err, "the tests read /proc")
	return faults.Children(parent)
}

func TestSIGKILLMidRenderGivesTheSameImage(t *testing.T) {
	// Small tiles keep each task short, so that kills every 100 ms rarely
	// land on the same task three times (which would rightly fail it).
	// Thirty frames outlast the workers' first half second, which the
	// killer spares (three frames took 0.15 s on a quiet machine).
	args := []string{"-scene", "cornell", "-size", "160x90", "-frames", "30", "-spp", "8", "-workers", "2", "-tile", "8"}
	want := frames(t, args...)
	stop := startKilling(t, 6)
	statsPath := filepath.Join(t.TempDir(), "stats.json")
	got := frames(t, append(args, "-timeline", filepath.Join(t.TempDir(), "tl.json"), "-stats", statsPath)...)
	n := stop()
	t.Logf("%d workers SIGKILLed during the render", n)
	require.Positive(t, n, "the render outlived no kill: make it longer")
	assertSameFrames(t, want, got, "after crashes")
	// The per-worker lines follow the worker slots: one each, every
	// process that rendered for it listed once.
	b, err := os.ReadFile(statsPath)
	require.NoError(t, err)
	var st struct {
		Crashes   int `json:"worker_crashes"`
		PerWorker []struct {
			Worker int   `json:"worker"`
			PIDs   []int `json:"pids"`
		} `json:"per_worker"`
	}
	require.NoError(t, json.Unmarshal(b, &st))
	require.LessOrEqual(t, len(st.PerWorker), 2)
	seen := map[int]bool{}
	for _, w := range st.PerWorker {
		for _, pid := range w.PIDs {
			assert.False(t, seen[pid], "pid %d listed twice: %+v", pid, st.PerWorker)
			seen[pid] = true
		}
	}
	assert.LessOrEqual(t, len(seen), 2+st.Crashes, "no more processes than the workers and their replacements")
}

// assertSameFrames checks that got holds the same frames as want.
func assertSameFrames(t *testing.T, want, got [][]byte, what string) {
	t.Helper()
	require.Len(t, got, len(want))
	for i := range want {
		assert.True(t, bytes.Equal(want[i], got[i]), "frame %d differs %s", i, what)
	}
}

// startKilling SIGKILLs one of this process's workers every 100 ms, at
// most max times, until the returned function is called; that returns the
// number of kills. The test's cleanup stops it too, should it fail first:
// no killing other tests' workers.
//
// It kills only workers that have run for killAge, the mid-render kills
// the tests are about: a worker killed before its hello while the pool
// starts is started again, but only so many times in a row (the pool then
// takes the program for broken), and under -race on a loaded machine a
// worker took over 100 ms to say hello, so that a kill every 100 ms of
// whatever was there failed the render's start.
func startKilling(t *testing.T, max int) (stop func() int) {
	const killAge = 500 * time.Millisecond
	done := make(chan struct{})
	kills := make(chan int, 1)
	go func() {
		n := 0
		defer func() { kills <- n }()
		for n < max {
			select {
			case <-done:
				return
			case <-time.After(100 * time.Millisecond):
			}
			for _, pid := range workerPIDs(t) {
				if age, ok := faults.Age(pid); !ok || age < killAge {
					continue
				}
				if syscall.Kill(pid, syscall.SIGKILL) == nil {
					n++
				}
				break
			}
		}
	}()
	var once sync.Once
	var n int
	stop = func() int {
		once.Do(func() { close(done); n = <-kills })
		return n
	}
	t.Cleanup(func() { stop() })
	return stop
}

func TestBadInputIsOneLineAndStatus2(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	good, err := os.ReadFile("../../scenes/default.json")
	require.NoError(t, err)
	typo := bytes.Replace(good, []byte(`"radius"`), []byte(`"radus"`), 1)
	require.NoError(t, os.WriteFile(bad, typo, 0o644))
	line := 1 + bytes.Count(typo[:bytes.Index(typo, []byte(`"radus"`))], []byte("\n"))
	cases := map[string]struct {
		args []string
		want string
	}{
		"zero size":          {[]string{"-size", "0x0"}, "0x0"},
		"huge size":          {[]string{"-size", "16384x16384"}, "more than"},
		"unknown scene":      {[]string{"-scene", "nosuchscene"}, "nosuchscene"},
		"bad scene":          {[]string{"-scene", bad}, fmt.Sprintf("bad.json:%d:", line)},
		"bad mode":           {[]string{"-mode", "threads"}, "threads"},
		"bad frames":         {[]string{"-frames", "0"}, "-frames"},
		"bad view":           {[]string{"-view", "vr"}, "vr"},
		"bad output":         {[]string{"-o", filepath.Join(dir, "x.bmp")}, "-o: " + filepath.Join(dir, "x.bmp") + ": unknown output format"},
		"bad flag":           {[]string{"-nope"}, "nope"},
		"bad fps":            {[]string{"-fps", "-3"}, "-fps -3"},
		"bad integrator":     {[]string{"-integrator", "raster"}, `-integrator "raster": want whitted or path`},
		"stats nowhere":      {[]string{"-stats", filepath.Join(dir, "nodir", "s.json")}, "nodir does not exist"},
		"timeline in a file": {[]string{"-timeline", filepath.Join(bad, "tl.json")}, "bad.json is not a directory"},
		"unwritable output":  {[]string{"-frames", "30", "-o", "/proc/x.png"}, "-o: open /proc/x_0000.png: "},
		"unwritable gif":     {[]string{"-o", "/proc/x.gif"}, "-o: open /proc/x.gif: "},
		"unwritable stats":   {[]string{"-stats", "/proc/s.json"}, "-stats: open /proc/s.json: "},
		"unwritable tl":      {[]string{"-timeline", "/proc/tl.json"}, "-timeline: open /proc/tl.json: "},
		"output is a dir":    {[]string{"-o", dir + ".png"}, "is a directory"},
	}
	require.NoError(t, os.Mkdir(dir+".png", 0o755))
	t.Cleanup(func() { os.Remove(dir + ".png") })
	cases["bad scene"] = struct {
		args []string
		want string
	}{cases["bad scene"].args, cases["bad scene"].want + `67: unknown field "radus" in sphere`}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			args := append([]string{"-o", filepath.Join(dir, "ok.png")}, c.args...) // a later -o wins
			code, stderr := trace(t, args...)
			assert.Equal(t, 2, code, stderr)
			assert.Contains(t, stderr, c.want)
			assert.Equal(t, 1, strings.Count(strings.TrimSpace(stderr), "\n")+1, "one line: %q", stderr)
		})
	}
}

func TestOutputsAndTimeline(t *testing.T) {
	dir := t.TempDir()
	tl := filepath.Join(dir, "tl.json")
	for _, out := range []string{"a.gif", "a.y4m", "none"} {
		path := out
		if out != "none" {
			path = filepath.Join(dir, out)
		}
		code, stderr := trace(t, "-size", "64x36", "-frames", "2", "-o", path, "-timeline", tl)
		require.Equal(t, 0, code, stderr)
		if out != "none" {
			fi, err := os.Stat(path)
			require.NoError(t, err)
			assert.Positive(t, fi.Size())
		}
	}
	b, err := os.ReadFile(tl)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"trace.tile"`)
}

// statsOf runs the CLI with -stats and returns the decoded stats file.
func statsOf(t *testing.T, args ...string) map[string]any {
	t.Helper()
	path := filepath.Join(t.TempDir(), "stats.json")
	code, stderr := trace(t, append(args, "-stats", path)...)
	require.Equal(t, 0, code, stderr)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

func TestStatsFile(t *testing.T) {
	m := statsOf(t, "-size", "64x36", "-frames", "3", "-spp", "2", "-workers", "2", "-mode", "goroutines", "-o", "none")
	for _, k := range []string{"frames", "fps", "frame_ms_p50", "frame_ms_p99", "deadline_misses", "rays_per_sec", "workers", "mode", "quality"} {
		assert.Contains(t, m, k)
	}
	assert.Equal(t, 3.0, m["frames"])
	assert.Equal(t, 2.0, m["workers"])
	assert.Equal(t, "goroutines", m["mode"])
	assert.Zero(t, m["deadline_misses"])
	assert.Positive(t, m["fps"])
	assert.Positive(t, m["rays_per_sec"])
	assert.LessOrEqual(t, m["frame_ms_p50"], m["frame_ms_p99"])
	q := m["quality"].(map[string]any)
	assert.Equal(t, map[string]any{"integrator": "whitted", "spp": 2.0, "max_depth": 4.0, "pixel_step": 1.0, "frames": 3.0}, q)
}

func TestFPSPacesFrames(t *testing.T) {
	// 12 frames at 40 fps: the last is due (11 + lag) periods after the
	// start, however fast the frames render, and is never shown before.
	const frames, fps = 12, 40.0
	dir := t.TempDir()
	code, stderr := trace(t, "-size", "64x36", "-frames", fmt.Sprint(frames), "-fps", fmt.Sprint(fps),
		"-o", filepath.Join(dir, "f.png"), "-stats", filepath.Join(dir, "s.json"))
	require.Equal(t, 0, code, stderr)
	b, err := os.ReadFile(filepath.Join(dir, "s.json"))
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	assert.Equal(t, float64(frames), m["frames"])
	assert.GreaterOrEqual(t, m["elapsed_s"], (frames-1+lag)/fps)
	assert.GreaterOrEqual(t, m["interval_ms_p50"], 1000/fps*0.9, "frames are shown a period apart")
	assert.Equal(t, fps, m["target_fps"])
	assert.Contains(t, m, "quality")
	pngs, err := filepath.Glob(filepath.Join(dir, "f_*.png"))
	require.NoError(t, err)
	assert.Len(t, pngs, frames)
	assert.Regexp(t, `^trace: 12 frames in [0-9.]+ s at [0-9.]+ fps \(target 40\), [0-9]+ deadline miss(es)?, .*; quality whitted 1 spp step [0-9]+( half| quarter| bilinear)? \([0-9]+ frames?\).*; traced [0-9]+% of pixels; wrote .*f_0000.png to .*f_0011.png\n$`, stderr)
}

func TestAFrameIsTheSameBytesWhetherOrNotItKeepsSums(t *testing.T) {
	// A still scene's first frame keeps float sums when a second frame will
	// refine it, and does not when it is the only one: same pixels.
	args := []string{"-scene", "cornell", "-size", "48x27", "-spp", "2", "-workers", "1", "-mode", "goroutines"}
	one := frames(t, append(args, "-frames", "1")...)
	two := frames(t, append(args, "-frames", "2")...)
	require.Len(t, one, 1)
	require.Len(t, two, 2)
	assert.Equal(t, pixels(t, one[0]), pixels(t, two[0]))
}

// pixels decodes a PNG file's bytes into its RGBA pixels, without the
// metadata that differs between a single image and a numbered frame.
func pixels(t *testing.T, b []byte) []byte {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	require.NoError(t, err)
	rgba := image.NewRGBA(img.Bounds())
	draw.Draw(rgba, rgba.Bounds(), img, img.Bounds().Min, draw.Src)
	return rgba.Pix
}
