package main

import (
	"context"
	"encoding/json"
	"image"
	"image/draw"
	"image/png"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/shmrun/shmrun/cmd/trace/internal/headless"
)

func TestLiveFigures(t *testing.T) {
	assert.Zero(t, recentFPS(nil), "one frame shown: no rate yet")
	assert.InDelta(t, 50, recentFPS([]float64{20}), 1e-9)
	slowStart := append([]float64{1000, 1000}, slices.Repeat([]float64{100}, 10)...)
	assert.InDelta(t, 10, recentFPS(slowStart), 1e-9, "the last second only")
}

// liveStatus is the part of the HTTP view's /status the tests read.
type liveStatus struct {
	Frame       int     `json:"frame"`
	Frames      int     `json:"frames"`
	FPS         float64 `json:"fps"`
	TargetFPS   float64 `json:"target_fps"`
	FrameMS     float64 `json:"frame_ms"`
	SPP         int     `json:"spp"`
	PixelStep   int     `json:"pixel_step"`
	TracedShare float64 `json:"traced_share"`
	Workers     int     `json:"workers"`
	Done        bool    `json:"done"`
	Figures     []struct{ Text string }
}

// status fetches url's /status; ok is false if it could not.
func status(url string) (st liveStatus, ok bool) {
	resp, err := http.Get(url + "status")
	if err != nil {
		return st, false
	}
	defer resp.Body.Close()
	return st, json.NewDecoder(resp.Body).Decode(&st) == nil
}

// liveView starts the trace binary with args and an HTTP view on a free
// port, and returns the view's address once trace has said it.
func liveView(t *testing.T, stderr *syncBuffer, args ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(traceBinary(t), append(args, "-view", "http=127.0.0.1:0")...)
	cmd.Stderr = stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill() })
	addr := regexp.MustCompile(`^trace: live view at (http://\S+/)\n`)
	var url string
	require.True(t, waitFor(30*time.Second, func() bool {
		m := addr.FindStringSubmatch(stderr.String())
		if m != nil {
			url = m[1]
		}
		return m != nil
	}), "trace says where the view is: %q", stderr.String())
	return cmd, url
}

// waitServing waits until trace says that the render is over and its view
// stays up.
func waitServing(t *testing.T, stderr *syncBuffer, url string) {
	t.Helper()
	require.True(t, waitFor(60*time.Second, func() bool {
		return strings.Contains(stderr.String(), "trace: serving the last frame at "+url+" until Ctrl-C\n")
	}), "%q", stderr.String())
}

// readRGBA decodes the PNG image in file or at url.
func readRGBA(t *testing.T, r io.Reader) *image.RGBA {
	t.Helper()
	img, err := png.Decode(r)
	require.NoError(t, err)
	rgba := image.NewRGBA(img.Bounds())
	draw.Draw(rgba, rgba.Rect, img, img.Bounds().Min, draw.Src)
	return rgba
}

func readPNG(t *testing.T, path string) *image.RGBA {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	return readRGBA(t, f)
}

func fetchPNG(t *testing.T, url string) *image.RGBA {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	return readRGBA(t, resp.Body)
}

// TestHTTPViewServesTheLastFrameUntilCtrlC runs a paced render with an
// HTTP view: /status has the live figures while it renders; when it is
// over, trace says so after its summary and keeps serving the last frame
// (the one -o wrote) until Ctrl-C, which then ends it with status 0.
func TestHTTPViewServesTheLastFrameUntilCtrlC(t *testing.T) {
	dir := t.TempDir()
	var stderr syncBuffer
	cmd, url := liveView(t, &stderr, "-size", "64x36", "-fps", "20", "-frames", "30", "-workers", "1",
		"-o", filepath.Join(dir, "f.png"))

	var live liveStatus
	require.True(t, waitFor(30*time.Second, func() bool {
		var ok bool
		live, ok = status(url)
		return ok && live.Frame >= 3 && !live.Done
	}), "live figures while it renders: %+v", live)
	assert.Equal(t, 30, live.Frames)
	assert.Equal(t, 20.0, live.TargetFPS)
	assert.Positive(t, live.FPS)
	assert.Positive(t, live.FrameMS)
	assert.Equal(t, 1, live.Workers)
	require.Positive(t, live.SPP)
	require.Positive(t, live.PixelStep)
	assert.Positive(t, live.TracedShare, "the frame's own share of pixels traced fresh")
	assert.LessOrEqual(t, live.TracedShare, 1.0)

	waitServing(t, &stderr, url)
	last, ok := status(url)
	require.True(t, ok)
	assert.True(t, last.Done)
	assert.Equal(t, 29, last.Frame)
	time.Sleep(200 * time.Millisecond)
	assert.False(t, gone(cmd.Process.Pid), "the view stays up")
	assert.Equal(t, readPNG(t, filepath.Join(dir, "f_0029.png")).Pix, fetchPNG(t, url+"frame.png").Pix,
		"the last frame, as -o wrote it")

	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	st := wait(t, cmd, 20*time.Second)
	assert.Equal(t, 0, st.ExitCode(), "Ctrl-C ends a render that is over: %q", stderr.String())
	assert.Regexp(t, `^trace: live view at \S+\ntrace: 30 frames in [^\n]*\ntrace: serving the last frame at \S+ until Ctrl-C\n$`,
		stderr.String())
	_, err := http.Get(url)
	assert.Error(t, err, "the view is down")
}

// TestSingleFrameInChromium renders one frame with an HTTP view and loads
// the page in headless Chromium: the screenshot has the frame's pixels,
// exactly as -o wrote them, and the page the run's figures.
func TestSingleFrameInChromium(t *testing.T) {
	bin, err := headless.Find()
	if err != nil {
		t.Skipf("the page is not tested in a browser: %v", err)
	}
	dir := t.TempDir()
	var stderr syncBuffer
	cmd, url := liveView(t, &stderr, "-size", "96x54", "-workers", "1", "-o", filepath.Join(dir, "f.png"))
	waitServing(t, &stderr, url)
	frame := readPNG(t, filepath.Join(dir, "f.png"))

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	shot, err := headless.Screenshot(ctx, bin, url, 400, 300)
	require.NoError(t, err)
	at, ok := headless.Locate(shot, frame, 0)
	assert.True(t, ok, "the frame is on the page, pixel for pixel")
	t.Logf("the frame is at %v in the screenshot", at)

	dom, err := headless.DumpDOM(ctx, bin, url)
	require.NoError(t, err)
	st, ok := status(url)
	require.True(t, ok)
	require.NotEmpty(t, st.Figures)
	for _, f := range st.Figures {
		assert.Contains(t, dom, ">"+f.Text+"<")
	}
	for _, want := range []string{"frame 1/1", "96x54", "100% traced", "1 worker", "render finished"} {
		assert.Contains(t, dom, want)
	}

	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	assert.Equal(t, 0, wait(t, cmd, 20*time.Second).ExitCode())
}

// TestTermViewFollowsTheTerminal runs a render with the terminal view on a
// pseudo-terminal of 100 x 24 cells: the preview fills it above the figures
// (two status lines, so a 64 x 36 frame is drawn 78 x 44 pixels, in 22
// lines of cells); after the window shrinks to 60 x 20 and SIGWINCH, it is
// drawn again, 59 x 33 pixels over three status lines. Ctrl-C gives the
// cursor back before the summary.
func TestTermViewFollowsTheTerminal(t *testing.T) {
	master, tty := openPTY(t)
	cmd := exec.Command(traceBinary(t), "-size", "64x36", "-fps", "10", "-frames", "100000", "-workers", "1",
		"-view", "term")
	cmd.Stderr = tty
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill() })
	var screen syncBuffer
	copied := make(chan struct{})
	go func() { io.Copy(&screen, master); close(copied) }()

	require.True(t, waitFor(30*time.Second, func() bool {
		return strings.Contains(screen.String(), "fps (target 10)")
	}), "the figures: %q", screen.String())
	assert.Equal(t, []int{78, 22}, lastDrawing(screen.String()))
	assert.Contains(t, screen.String(), "  64x36  ")
	assert.Contains(t, screen.String(), "% traced  1 worker")

	require.NoError(t, unix.IoctlSetWinsize(int(tty.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 20, Col: 60}))
	require.NoError(t, cmd.Process.Signal(syscall.SIGWINCH))
	require.True(t, waitFor(10*time.Second, func() bool {
		return slices.Equal(lastDrawing(screen.String()), []int{59, 17})
	}), "drawn again for 60 x 20: %v", lastDrawing(screen.String()))

	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	assert.Equal(t, 130, wait(t, cmd, 20*time.Second).ExitCode())
	tty.Close()
	<-copied
	out := screen.String()
	assert.Contains(t, out[strings.LastIndex(out, "\x1b[2J"):], "\x1b[?25htrace: interrupted (SIGINT)")
}

// lastDrawing returns the cells across and the lines of cells of the last
// whole drawing (after the last screen clear) in a terminal's output, or
// nil if there is none.
func lastDrawing(out string) []int {
	i := strings.LastIndex(out, "\x1b[2J")
	if i < 0 {
		return nil
	}
	// Lines end "\x1b[K\r\n", which the terminal makes "\x1b[K\r\r\n".
	lines := strings.Split(out[i:], "\x1b[K\r")
	n := 0
	for n < len(lines) && strings.Contains(lines[n], "▀") {
		n++
	}
	if n == 0 {
		return nil
	}
	return []int{strings.Count(lines[0], "▀"), n}
}

// TestTermViewOffATerminalWritesNoEscapeCode runs a render with the
// terminal view and stderr in a pipe: plain status lines, no escape code.
func TestTermViewOffATerminalWritesNoEscapeCode(t *testing.T) {
	var stderr syncBuffer
	cmd := exec.Command(traceBinary(t), "-size", "64x36", "-fps", "10", "-frames", "25", "-workers", "1",
		"-view", "term")
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	assert.Equal(t, 0, wait(t, cmd, 60*time.Second).ExitCode(), stderr.String())
	out := stderr.String()
	assert.NotContains(t, out, "\x1b")
	assert.Regexp(t, `(?m)^frame [0-9]+/25  64x36  [0-9.]+ fps \(target 10\)  [0-9.]+ ms a frame  [0-9]+ deadline misse?s?  `+
		`[0-9]+ spp step [0-9]+  [0-9.]+% traced  1 worker$`, out)
	assert.Regexp(t, `\ntrace: 25 frames in [^\n]*\n$`, out)
}

// TestHeldViewEndsTheVideoOnStdout pipes a video on stdout from a render
// with an HTTP view: the pipe ends with the render, while the view stays
// up, so that the program reading it is done before Ctrl-C.
func TestHeldViewEndsTheVideoOnStdout(t *testing.T) {
	var stderr syncBuffer
	cmd := exec.Command(traceBinary(t), "-size", "32x18", "-frames", "2", "-workers", "1", "-o", "-",
		"-view", "http=127.0.0.1:0")
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill() })
	video, err := io.ReadAll(stdout) // until trace closes stdout
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(video), "YUV4MPEG2 W32 H18 "), "%.40q", video)
	assert.Equal(t, 2, strings.Count(string(video), "FRAME\n"))
	assert.False(t, gone(cmd.Process.Pid), "the view is still up")
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	assert.Equal(t, 0, wait(t, cmd, 20*time.Second).ExitCode(), stderr.String())
}
