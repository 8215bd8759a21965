package view_test

import (
	"bytes"
	"errors"
	"image"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/cmd/trace/internal/frametest"
	"github.com/shmrun/shmrun/cmd/trace/internal/output"
	"github.com/shmrun/shmrun/cmd/trace/internal/view"
)

// syncBuffer is a bytes.Buffer safe to write from the view's goroutine.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// fakeClock advances only when told to.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func size(cols, rows int) func() (int, int) {
	return func() (int, int) { return cols, rows }
}

// twoColors is a w x h frame, red above blue.
func twoColors(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := []byte{255, 0, 0, 255}
			if y >= h/2 {
				c = []byte{0, 0, 255, 255}
			}
			copy(img.Pix[img.PixOffset(x, y):], c)
		}
	}
	return img
}

func TestTermDrawsHalfBlocks(t *testing.T) {
	var out syncBuffer
	term := view.NewTerm(&out, view.TermOptions{Size: size(80, 24)})
	require.NoError(t, term.WriteFrame(twoColors(4, 4), 7))
	require.NoError(t, term.Close())

	s := out.String()
	assert.True(t, strings.HasPrefix(s, "\x1b[?25l"), "hides the cursor")
	assert.True(t, strings.HasSuffix(s, "\x1b[?25h"), "shows it again on Close")
	// 4x4 pixels grow to the window's 46 pixel rows (23 rows of cells and
	// the status line): 23 lines of 46 cells.
	assert.Equal(t, 23*46, strings.Count(s, "▀"))
	assert.Contains(t, s, "\x1b[38;2;255;0;0m\x1b[48;2;255;0;0m"+strings.Repeat("▀", 46), "top line: red over red, colours sent once")
	assert.Contains(t, s, "\x1b[38;2;0;0;255m\x1b[48;2;0;0;255m"+strings.Repeat("▀", 46), "bottom line: blue over blue")
	assert.Contains(t, s, "frame 8  4x4")
}

func TestTermScalesToFit(t *testing.T) {
	for _, tc := range []struct {
		w, h, cols, rows   int
		wantCells, wantLns int
	}{
		{640, 360, 80, 24, 79, 22},  // width-bound: 79 x 44 pixels
		{360, 640, 80, 24, 25, 23},  // height-bound: 25 x 46 pixels
		{10, 3, 80, 24, 79, 12},     // enlarged to 79 x 23 pixels; odd height
		{640, 360, 1, 1, 1, 1},      // degenerate terminal
		{16384, 1, 200, 50, 199, 1}, // extreme aspect
	} {
		var out syncBuffer
		term := view.NewTerm(&out, view.TermOptions{Size: size(tc.cols, tc.rows)})
		require.NoError(t, term.WriteFrame(frametest.New(tc.w, tc.h, 0), 0))
		require.NoError(t, term.Close())
		s := out.String()
		assert.Equal(t, tc.wantCells*tc.wantLns, strings.Count(s, "▀"), "%+v", tc)
		assert.Equal(t, tc.wantLns, strings.Count(s, "\x1b[K\r\n"), "%+v", tc)
	}
}

func TestTermThrottles(t *testing.T) {
	clock := &fakeClock{t: time.Unix(0, 0)}
	var out syncBuffer
	term := view.NewTerm(&out, view.TermOptions{Size: size(20, 6), Now: clock.now})
	img := frametest.New(32, 18, 0)
	for n := range 1000 { // one simulated second at 1000 fps
		frametest.Fill(img, n)
		require.NoError(t, term.WriteFrame(img, n))
		clock.t = clock.t.Add(time.Millisecond)
	}
	require.NoError(t, term.Close())
	// Frames are handed over at 0, 34, 68, ... ms: 30 in one second at 30
	// redraws/s. The drawer draws the newest it has, at least the last one.
	drawn := regexp.MustCompile(`frame [0-9]+`).FindAllString(out.String(), -1)
	assert.LessOrEqual(t, len(drawn), 30)
	require.NotEmpty(t, drawn)
	assert.Equal(t, "frame 987", drawn[len(drawn)-1], "the last frame handed over is drawn")
}

// writes is a writer that passes on each write, for a test to wait for.
type writes chan string

func (w writes) Write(p []byte) (int, error) {
	w <- string(p)
	return len(p), nil
}

// next returns the next write, failing the test after 5 s without one.
func (w writes) next(t *testing.T) string {
	t.Helper()
	select {
	case s := <-w:
		return s
	case <-time.After(5 * time.Second):
		t.Fatal("nothing drawn in 5 s")
		return ""
	}
}

func TestTermRedrawsOnlyWhatChanged(t *testing.T) {
	clock := &fakeClock{t: time.Unix(0, 0)}
	out := make(writes, 16)
	// 8 x 8 pixels: 4 lines of 8 cells in 9 x 6, over 2 status lines
	// ("frame 1" and "8x8").
	term := view.NewTerm(out, view.TermOptions{Size: size(9, 6), Now: clock.now})
	img := twoColors(8, 8)
	require.NoError(t, term.WriteFrame(img, 0))
	first := out.next(t)
	assert.Equal(t, 32, strings.Count(first, "▀"), "the first drawing is whole")
	assert.Contains(t, first, "\x1b[2J")

	for x := range 8 { // the bottom line of cells turns green
		for y := 6; y < 8; y++ {
			copy(img.Pix[img.PixOffset(x, y):], []byte{0, 255, 0, 255})
		}
	}
	clock.t = clock.t.Add(time.Second)
	require.NoError(t, term.WriteFrame(img, 1))
	second := out.next(t)
	assert.NotContains(t, second, "\x1b[2J", "no clearing")
	assert.Equal(t, 8, strings.Count(second, "▀"), "one line of cells redrawn: %q", second)
	assert.Contains(t, second, "\x1b[4;1H\x1b[38;2;0;255;0m\x1b[48;2;0;255;0m▀", "the fourth line, green")
	assert.Contains(t, second, "\x1b[5;1Hframe 2", "and the status line")

	clock.t = clock.t.Add(time.Second)
	require.NoError(t, term.WriteFrame(img, 1)) // the same frame again
	require.NoError(t, term.Close())
	close(out)
	var rest strings.Builder
	for s := range out {
		rest.WriteString(s)
	}
	assert.Equal(t, "\x1b[6;1H\x1b[0m\r\n\x1b[?25h", rest.String(), "nothing redrawn, then the cursor back under the status lines")
}

func TestTermRedrawsAtOnceOnResize(t *testing.T) {
	var cols, rows atomic.Int64
	cols.Store(9)
	rows.Store(6)
	resized := make(chan os.Signal, 1)
	out := make(writes, 16)
	term := view.NewTerm(out, view.TermOptions{
		Size:    func() (int, int) { return int(cols.Load()), int(rows.Load()) },
		Resized: resized,
	})
	defer term.Close()
	require.NoError(t, term.WriteFrame(twoColors(8, 8), 0))
	assert.Equal(t, 32, strings.Count(out.next(t), "▀"))

	cols.Store(17)
	rows.Store(10)
	resized <- syscall.SIGWINCH
	again := out.next(t)
	assert.Contains(t, again, "\x1b[2J", "cleared")
	assert.Equal(t, 8*16, strings.Count(again, "▀"), "the same frame, 16 x 16 pixels over one status line")
}

func TestTermShowsTheFigures(t *testing.T) {
	var out syncBuffer
	term := view.NewTerm(&out, view.TermOptions{Size: size(120, 10)})
	term.SetStatus(view.Status{Frames: 10, FPS: 59.84, TargetFPS: 60, FrameMS: 9.94, DeadlineMisses: 2,
		SPP: 1, PixelStep: 2, TracedShare: 0.25, Workers: 3})
	require.NoError(t, term.WriteFrame(frametest.New(32, 18, 4), 4))
	require.NoError(t, term.Close())
	assert.Contains(t, out.String(),
		"frame 5/10  32x18  59.8 fps (target 60)  9.9 ms a frame  2 deadline misses  1 spp step 2  25% traced  3 workers\x1b[K")
}

func TestTermWritesNoEscapeCodeWhenPlain(t *testing.T) {
	clock := &fakeClock{t: time.Unix(0, 0)}
	var out syncBuffer
	term := view.NewTerm(&out, view.TermOptions{Plain: true, Now: clock.now})
	img := frametest.New(32, 18, 0)
	for n := range 3000 { // 3 simulated seconds at 1000 fps
		term.SetStatus(view.Status{Frames: 3000, SPP: 2, PixelStep: 1, TracedShare: 1, Workers: 2})
		require.NoError(t, term.WriteFrame(img, n))
		clock.t = clock.t.Add(time.Millisecond)
	}
	require.NoError(t, term.Close())
	s := out.String()
	assert.NotContains(t, s, "\x1b")
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	assert.LessOrEqual(t, len(lines), 3, "at most one line a second: %q", s)
	assert.Equal(t, "frame 2001/3000  32x18  2 spp step 1  100% traced  2 workers", lines[len(lines)-1])
}

type brokenWriter struct{}

func (brokenWriter) Write([]byte) (int, error) { return 0, errors.New("tty gone") }

func TestTermWriteErrorSurfaces(t *testing.T) {
	clock := &fakeClock{t: time.Unix(0, 0)}
	term := view.NewTerm(brokenWriter{}, view.TermOptions{Now: clock.now})
	require.NoError(t, term.WriteFrame(frametest.New(8, 8, 0), 0))
	err := term.Close()
	assert.ErrorContains(t, err, "term view: tty gone")
	assert.ErrorIs(t, term.WriteFrame(frametest.New(8, 8, 0), 1), output.ErrClosed)
}

func TestTermRejectsBadFrame(t *testing.T) {
	term := view.NewTerm(&syncBuffer{}, view.TermOptions{})
	defer term.Close()
	bad := frametest.New(8, 8, 0)
	bad.Pix = bad.Pix[:10]
	assert.ErrorIs(t, term.WriteFrame(bad, 0), output.ErrFrame)
	assert.ErrorIs(t, term.WriteFrame(nil, 0), output.ErrFrame)
}

func TestTracedShareReadsAsAPercentage(t *testing.T) {
	for share, want := range map[float64]string{1: "100% traced", 0.25: "25% traced", 1.0 / 16: "6.2% traced", 1.0 / 256: "0.4% traced"} {
		var out syncBuffer
		term := view.NewTerm(&out, view.TermOptions{Plain: true})
		term.SetStatus(view.Status{SPP: 1, PixelStep: 1, TracedShare: share})
		require.NoError(t, term.WriteFrame(frametest.New(8, 8, 0), 0))
		require.NoError(t, term.Close())
		assert.Equal(t, "frame 1  8x8  1 spp step 1  "+want+"\n", out.String())
	}
}
