package main

import (
	"bytes"
	"encoding/json"
	"image/gif"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/cmd/trace/internal/scene"
)

// small is a quick render's flags: goroutine workers, a tiny frame.
var small = []string{"-mode", "goroutines", "-workers", "2", "-size", "48x27"}

func TestSuccessPrintsOneSummaryLine(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "one.png")
	code, stderr := trace(t, append(small, "-o", out)...)
	require.Equal(t, 0, code, stderr)
	assert.Regexp(t, `^trace: 1 frame in [0-9.]+ s; quality whitted [0-9]+ spp step 1 \(1 frame\); wrote `+
		regexp.QuoteMeta(out)+"\n$", stderr)

	code, stderr = trace(t, append(small, "-frames", "3", "-o", filepath.Join(dir, "v.y4m"), "-q")...)
	require.Equal(t, 0, code, stderr)
	assert.Empty(t, stderr, "-q is silent")
	fi, err := os.Stat(filepath.Join(dir, "v.y4m"))
	require.NoError(t, err)
	assert.Positive(t, fi.Size(), "-q still writes")

	code, stderr = trace(t, append(small, "-frames", "2", "-o", "none")...)
	require.Equal(t, 0, code, stderr)
	assert.Regexp(t, `^trace: 2 frames in .*; no file written \(-o none\)\n$`, stderr)
}

// TestViewWithoutOWritesNothing runs the README's live-view command (with
// an HTTP view on a free port, fewer frames, and -hold=false so that it
// ends with the render): it writes no file, and -o still asks for one.
func TestViewWithoutOWritesNothing(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	args := append(small, "-fps", "60", "-frames", "6", "-view", "http=127.0.0.1:0", "-hold=false")
	code, stderr := trace(t, args...)
	require.Equal(t, 0, code, stderr)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries, "a live view without -o writes nothing")
	assert.Contains(t, stderr, "no file written")

	code, stderr = trace(t, append(args, "-o", "seq.png")...)
	require.Equal(t, 0, code, stderr)
	pngs, err := filepath.Glob(filepath.Join(dir, "seq_*.png"))
	require.NoError(t, err)
	assert.Len(t, pngs, 6, "with -o, the frames are written too")

	var usage bytes.Buffer
	_, err = parseFlags([]string{"-h"}, &usage)
	require.ErrorIs(t, err, errHelp)
	assert.Contains(t, usage.String(), "default trace.png, or none with -view", "the flag help says so")
}

// TestUnwritableOutputFailsBeforeTheFirstFrame checks that an output that
// cannot be written fails before any worker starts: the pool, had it
// started, would have written the timeline when it closed.
func TestUnwritableOutputFailsBeforeTheFirstFrame(t *testing.T) {
	dir := t.TempDir()
	tl := filepath.Join(dir, "tl.json")
	stats := filepath.Join(dir, "stats.json")
	for _, bad := range [][]string{{"-o", "/proc/x.png"}, {"-o", "/proc/x.y4m"}, {"-stats", "/proc/s.json", "-o", "none"}} {
		start := time.Now()
		args := append([]string{"-frames", "30", "-size", "64x36", "-timeline", tl}, bad...)
		if bad[0] != "-stats" {
			args = append(args, "-stats", stats)
		}
		code, stderr := trace(t, args...)
		assert.Equal(t, 2, code, stderr)
		assert.Contains(t, stderr, "/proc/")
		assert.NoFileExists(t, tl, "no pool started, no frame rendered")
		assert.NoFileExists(t, stats, "the -stats file it opened first is removed")
		t.Logf("%v failed in %v", bad, time.Since(start))
	}
}

// TestTheFirstErrorWins makes frame 1 unwritable (its file name is a
// directory), which the check before the render cannot see, and renders
// 30 frames many times: the error is always the write's, never what the
// cancellation it caused did to the frames in flight.
func TestTheFirstErrorWins(t *testing.T) {
	runs := 24
	if testing.Short() {
		runs = 12
	}
	for i := range runs {
		dir := t.TempDir()
		require.NoError(t, os.Mkdir(filepath.Join(dir, "f_0001.png"), 0o755))
		args := append(small, "-frames", "30", "-o", filepath.Join(dir, "f.png"))
		if i%4 == 3 {
			args = append(args, "-mode", "processes")
		}
		code, stderr := trace(t, args...)
		require.Equal(t, 1, code, stderr)
		require.Contains(t, stderr, "write "+filepath.Join(dir, "f_0001.png")+": ", "run %d", i)
		require.NotContains(t, stderr, "context canceled", "run %d", i)
		require.Equal(t, 1, strings.Count(stderr, "\n"), "one line: %q", stderr)
	}
}

func TestHelpAndUnknownSceneListTheScenes(t *testing.T) {
	names := scene.Names()
	require.GreaterOrEqual(t, len(names), 4)
	var stdout bytes.Buffer
	code := run([]string{"-h"}, &stdout, &bytes.Buffer{})
	assert.Equal(t, 0, code)
	help := stdout.String()
	assert.Contains(t, help, "Scenes: "+strings.Join(names, ", "))
	assert.Contains(t, help, "-scene NAME")
	assert.Contains(t, help, "-q")
	assert.Contains(t, help, "130")

	code, stderr := trace(t, "-scene", "cornel", "-o", "none")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `scene "cornel"`)
	assert.Contains(t, stderr, "did you mean cornell?")
	assert.Contains(t, stderr, "the scenes are "+strings.Join(names, ", "))
	code, stderr = trace(t, "-scene", "xyzzy", "-o", "none")
	assert.Equal(t, 2, code)
	assert.NotContains(t, stderr, "did you mean")
	assert.Contains(t, stderr, "the scenes are ")
}

func TestMistypedFlagIsOneLineThatNamesTheFlag(t *testing.T) {
	cases := map[string]string{
		"-fram":       "did you mean -frames?",
		"-secne":      "did you mean -scene?",
		"-fsp":        "did you mean -fps?",
		"--workrs=3":  "did you mean -workers?",
		"-zzzzzzzz":   "trace -h lists the flags",
		"-frames=abc": `invalid value "abc" for flag -frames`,
	}
	for arg, want := range cases {
		code, stderr := trace(t, "-o", "none", arg, "3")
		assert.Equal(t, 2, code, arg)
		assert.Contains(t, stderr, want, arg)
		assert.Equal(t, 1, strings.Count(stderr, "\n"), "one line for %s: %q", arg, stderr)
		assert.NotContains(t, stderr, "Usage", arg)
	}
	_, stderr := trace(t, "-o", "x.png", "-pin", "-fram", "3") // values and bool flags are skipped
	assert.Contains(t, stderr, "-fram: did you mean -frames?")
	_, stderr = trace(t, "-mode", "process")
	assert.Contains(t, stderr, `-mode "process": did you mean processes? want processes or goroutines`)
	_, stderr = trace(t, "-integrator", "pathtracer")
	assert.Contains(t, stderr, `-integrator "pathtracer": want whitted or path`)
}

// TestSizeIsCheckedAgainstMemoryAvailable pretends the machine has 64 MiB
// available: a size whose arena needs more is refused with both figures,
// before any worker starts, and one that fits renders.
func TestSizeIsCheckedAgainstMemoryAvailable(t *testing.T) {
	defer func(f func() (memLimit, bool)) { memAvailable = f }(memAvailable)
	memAvailable = func() (memLimit, bool) { return memLimit{64 << 20, "a test's MemAvailable"}, true }
	code, stderr := trace(t, "-size", "1920x1080", "-o", "none")
	assert.Equal(t, 2, code, stderr)
	assert.Regexp(t, `^trace: -size 1920x1080 needs 8[0-9] MiB of shared memory, more than the 64 MiB available \(a test's MemAvailable\)\n$`, stderr)
	code, stderr = trace(t, append(small, "-o", "none")...)
	assert.Equal(t, 0, code, stderr)

	memAvailable = func() (memLimit, bool) { return memLimit{}, false }
	code, stderr = trace(t, append(small, "-o", "none")...)
	assert.Equal(t, 0, code, "unknown memory: no check: %s", stderr)
}

func TestParseMemAvailable(t *testing.T) {
	b, err := os.ReadFile("testdata/meminfo")
	require.NoError(t, err)
	kb, ok := parseMemAvailable(b)
	require.True(t, ok)
	assert.Equal(t, int64(24300016), kb)
	for _, bad := range []string{"", "MemTotal: 5 kB\n", "MemAvailable: 12 MB\n", "MemAvailable: -1 kB\n", "MemAvailable: x kB\n",
		"MemAvailable: 99999999999999999999 kB\n"} {
		_, ok := parseMemAvailable([]byte(bad))
		assert.False(t, ok, "%q", bad)
	}
	if lim, ok := systemMemAvailable(); ok { // this machine's, for the record
		assert.Positive(t, lim.bytes)
		t.Logf("%d MiB available (%s)", lim.bytes>>20, lim.source)
	}
}

func FuzzParseMemAvailable(f *testing.F) {
	b, err := os.ReadFile("testdata/meminfo")
	require.NoError(f, err)
	f.Add(b)
	f.Add([]byte("MemAvailable:\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		kb, ok := parseMemAvailable(b)
		if ok {
			assert.GreaterOrEqual(t, kb, int64(0))
			assert.LessOrEqual(t, kb, int64(1)<<52, "bytes fit in an int64")
			assert.Contains(t, string(b), "MemAvailable:")
		}
	})
}

// TestGIFAt60FPSKeepsRealTime decodes the GIF of a 60 fps render: delays
// of 2 hundredths (no 1, which browsers show as 10), and as long as the
// frames last.
func TestGIFAt60FPSKeepsRealTime(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.gif")
	code, stderr := trace(t, append(small, "-fps", "60", "-frames", "30", "-o", path)...)
	require.Equal(t, 0, code, stderr)
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	g, err := gif.DecodeAll(f)
	require.NoError(t, err)
	total := 0
	for _, d := range g.Delay {
		assert.Equal(t, 2, d)
		total += d
	}
	assert.GreaterOrEqual(t, total, 50, "30 frames at 60 fps last half a second")
	assert.Less(t, total, 54)
	assert.Len(t, g.Image, 26, "the frames a 50 Hz display skips are left out, the last is kept")
}

// timelineEvents reads a -timeline file's events.
func timelineEvents(t *testing.T, path string) []struct {
	Name string         `json:"name"`
	Ph   string         `json:"ph"`
	Tid  int            `json:"tid"`
	Args map[string]any `json:"args"`
} {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var tf struct {
		TraceEvents []struct {
			Name string         `json:"name"`
			Ph   string         `json:"ph"`
			Tid  int            `json:"tid"`
			Args map[string]any `json:"args"`
		} `json:"traceEvents"`
	}
	require.NoError(t, json.Unmarshal(b, &tf))
	return tf.TraceEvents
}

// TestTimelineHasTheMastersTracks renders paced frames with -timeline and
// -stats: the master's tracks hold each frame's start, dispatch, render,
// encode and deadline, and as many misses as the stats count.
func TestTimelineHasTheMastersTracks(t *testing.T) {
	dir := t.TempDir()
	tl := filepath.Join(dir, "tl.json")
	const frames = 12
	m := statsOf(t, append(small, "-fps", "100", "-frames", "12", "-o", "none", "-timeline", tl)...)
	tracks := map[int]string{}
	count := map[string]int{}
	framesSeen := map[string]map[float64]bool{}
	for _, e := range timelineEvents(t, tl) {
		if e.Name == "thread_name" {
			tracks[e.Tid] = e.Args["name"].(string)
			continue
		}
		count[e.Name]++
		if n, ok := e.Args["frame"].(float64); ok {
			if framesSeen[e.Name] == nil {
				framesSeen[e.Name] = map[float64]bool{}
			}
			framesSeen[e.Name][n] = true
		}
	}
	for _, name := range []string{"master: frame loop", "master: presenter", "master: framebuffer 0", "worker 0"} {
		assert.Contains(t, values(tracks), name)
	}
	for _, name := range []string{"frame start", "dispatch", "render", "encode", "deadline"} {
		assert.Equal(t, frames, count[name], "one %q per frame", name)
		assert.Len(t, framesSeen[name], frames, "every frame's %q", name)
	}
	assert.Equal(t, m["deadline_misses"], float64(count["miss"]), "a miss on the timeline for each in the stats")
	assert.Positive(t, count["trace.tile"], "the workers' tiles are there too")
}

func values(m map[int]string) []string {
	var vs []string
	for _, v := range m {
		vs = append(vs, v)
	}
	return vs
}
