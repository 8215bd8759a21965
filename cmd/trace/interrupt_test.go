package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// builtTrace is the trace binary that the signal tests build once: a
// real program, signalled as a user's Ctrl-C would.
var builtTrace struct {
	once sync.Once
	dir  string
	path string
	err  error
}

func traceBinary(t *testing.T) string {
	t.Helper()
	builtTrace.once.Do(func() {
		builtTrace.dir, builtTrace.err = os.MkdirTemp("", "trace-bin-")
		if builtTrace.err != nil {
			return
		}
		builtTrace.path = filepath.Join(builtTrace.dir, "trace")
		out, err := exec.Command("go", "build", "-o", builtTrace.path, ".").CombinedOutput()
		if err != nil {
			builtTrace.err = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	require.NoError(t, builtTrace.err)
	return builtTrace.path
}

func removeBuiltTrace() {
	if builtTrace.dir != "" {
		os.RemoveAll(builtTrace.dir)
	}
}

// openPTY returns a pseudo-terminal's two ends, its window 100 columns
// wide, for a child whose stderr must be a terminal.
func openPTY(t *testing.T) (master, tty *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	require.NoError(t, err)
	require.NoError(t, unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0))
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	require.NoError(t, err)
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|syscall.O_NOCTTY, 0)
	require.NoError(t, err)
	require.NoError(t, unix.IoctlSetWinsize(int(s.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 24, Col: 100}))
	t.Cleanup(func() { m.Close(); s.Close() })
	return m, s
}

// syncBuffer is a bytes.Buffer that a test reads while a goroutine
// copies a terminal's output into it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// waitFor polls cond every 20 ms until it holds or d has passed.
func waitFor(d time.Duration, cond func() bool) bool {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

// gone reports whether process pid has exited (it may be a zombie that
// nobody reaped yet).
func gone(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	s := string(stat)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(fields) > 0 && fields[0] == "Z"
}

// wait waits for cmd to exit, for up to d, and kills it if it does not.
func wait(t *testing.T, cmd *exec.Cmd, d time.Duration) *os.ProcessState {
	t.Helper()
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
		cmd.Process.Kill()
		<-done
		t.Fatalf("trace did not exit within %v", d)
	}
	return cmd.ProcessState
}

// TestCtrlCReportsTheFramesDone Ctrl-Cs a real trace binary in the middle
// of a paced render drawing its progress bar on a terminal: the bar is
// erased, the summary line counts the frames shown, the -stats file
// counts them too, the video holds exactly them, the timeline is written,
// the exit status is 130 and no worker outlives the master.
func TestCtrlCReportsTheFramesDone(t *testing.T) {
	bin := traceBinary(t)
	dir := t.TempDir()
	video, stats, tl := filepath.Join(dir, "v.y4m"), filepath.Join(dir, "s.json"), filepath.Join(dir, "tl.json")
	master, tty := openPTY(t)
	cmd := exec.Command(bin, "-size", "64x36", "-fps", "30", "-frames", "100000", "-workers", "2",
		"-o", video, "-stats", stats, "-timeline", tl)
	cmd.Stderr = tty
	require.NoError(t, cmd.Start())
	tty.Close() // the child has it
	var screen syncBuffer
	copied := make(chan struct{})
	go func() { io.Copy(&screen, master); close(copied) }() // ends with EIO when the child is gone

	const frameBytes = 6 + 64*36*3/2 // "FRAME\n" and a 4:2:0 picture
	require.True(t, waitFor(30*time.Second, func() bool {
		fi, err := os.Stat(video)
		return err == nil && fi.Size() > 5*frameBytes && strings.Contains(screen.String(), "frame ")
	}), "5 frames written and the bar drawn: %q", screen.String())
	workers := childPIDs(t, cmd.Process.Pid)
	require.Len(t, workers, 2)

	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	sent := time.Now()
	st := wait(t, cmd, 20*time.Second)
	t.Logf("exited %v after SIGINT", time.Since(sent).Round(time.Millisecond))
	<-copied
	assert.Equal(t, 130, st.ExitCode())

	out := screen.String()
	m := regexp.MustCompile(`\r\x1b\[Ktrace: interrupted \(SIGINT\): ([0-9]+) of 100000 frames in [0-9.]+ s at [0-9.]+ fps \(target 30\), .*; wrote ` +
		regexp.QuoteMeta(video) + "\r\n$").FindStringSubmatch(out)
	require.NotNil(t, m, "the bar erased, then one summary line: %q", out)
	shown, _ := strconv.Atoi(m[1])
	assert.Positive(t, shown)

	b, err := os.ReadFile(stats)
	require.NoError(t, err)
	var s map[string]any
	require.NoError(t, json.Unmarshal(b, &s))
	assert.Equal(t, float64(shown), s["frames"])
	assert.Equal(t, true, s["interrupted"])
	assert.Equal(t, 100000.0, s["frames_planned"])

	fi, err := os.Stat(video)
	require.NoError(t, err)
	hdr, err := os.ReadFile(video)
	require.NoError(t, err)
	header := bytes.IndexByte(hdr, '\n') + 1
	assert.Equal(t, int64(header+shown*frameBytes), fi.Size(), "the video holds the %d frames shown, whole", shown)

	starts := 0
	for _, e := range timelineEvents(t, tl) {
		if e.Name == "frame start" {
			starts++
		}
	}
	assert.GreaterOrEqual(t, starts, shown, "the timeline has the frames")

	for _, pid := range workers {
		assert.True(t, waitFor(5*time.Second, func() bool { return gone(pid) }), "worker %d outlived the master", pid)
	}
}

// TestSIGTERMExitsWith143 terminates a render as a service manager would:
// the same wind-down, the status of SIGTERM (128 + 15).
func TestSIGTERMExitsWith143(t *testing.T) {
	bin := traceBinary(t)
	var stderr bytes.Buffer // read once Wait has returned
	cmd := exec.Command(bin, "-size", "64x36", "-fps", "30", "-frames", "100000", "-workers", "1", "-o", "none")
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	require.True(t, waitFor(30*time.Second, func() bool { return len(childPIDs(t, cmd.Process.Pid)) == 1 }))
	time.Sleep(300 * time.Millisecond)
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	st := wait(t, cmd, 20*time.Second)
	assert.Equal(t, 143, st.ExitCode())
	assert.Regexp(t, `^trace: interrupted \(SIGTERM\): [0-9]+ of 100000 frames`, stderr.String())
}

// TestSecondCtrlCKillsAtOnce interrupts a render whose one tile takes
// seconds, so that the first Ctrl-C's wind-down waits for it, and sends a
// second: that one kills trace at once, and its worker dies with it.
func TestSecondCtrlCKillsAtOnce(t *testing.T) {
	bin := traceBinary(t)
	var stderr bytes.Buffer
	cmd := exec.Command(bin, "-scene", "cornell", "-size", "256x256", "-spp", "65536", "-tile", "1024",
		"-workers", "1", "-o", "none")
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	var workers []int
	require.True(t, waitFor(30*time.Second, func() bool {
		workers = childPIDs(t, cmd.Process.Pid)
		return len(workers) == 1
	}))
	time.Sleep(500 * time.Millisecond) // the tile is running
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	time.Sleep(100 * time.Millisecond)
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	sent := time.Now()
	st := wait(t, cmd, 10*time.Second)
	took := time.Since(sent)
	t.Logf("killed %v after the second SIGINT; stderr %q", took.Round(time.Millisecond), stderr.String())
	ws, ok := st.Sys().(syscall.WaitStatus)
	require.True(t, ok)
	require.True(t, ws.Signaled(), "killed by the second signal, not exited (%v)", st)
	assert.Equal(t, syscall.SIGINT, ws.Signal())
	assert.Less(t, took, interruptGrace, "at once, not after the first one's wind-down")
	for _, pid := range workers {
		assert.True(t, waitFor(5*time.Second, func() bool { return gone(pid) }), "worker %d outlived the master", pid)
	}
}

// TestQuietIsSilentOnATerminal renders for longer than the progress bar's
// delay with stderr on a terminal: with -q nothing is drawn or printed.
func TestQuietIsSilentOnATerminal(t *testing.T) {
	bin := traceBinary(t)
	master, tty := openPTY(t)
	cmd := exec.Command(bin, "-q", "-size", "64x36", "-fps", "20", "-frames", "40", "-workers", "1", "-o", "none")
	cmd.Stderr = tty
	require.NoError(t, cmd.Start())
	tty.Close()
	var screen syncBuffer
	copied := make(chan struct{})
	go func() { io.Copy(&screen, master); close(copied) }()
	st := wait(t, cmd, 60*time.Second)
	<-copied
	assert.Equal(t, 0, st.ExitCode())
	assert.Empty(t, screen.String(), "no bar, no summary")
}
