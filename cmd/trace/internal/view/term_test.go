package view_test

import (
	"bytes"
	"errors"
	"image"
	"strings"
	"sync"
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
	// 4x4 pixels fit unscaled: two text lines of four cells.
	assert.Equal(t, 8, strings.Count(s, "▀"))
	assert.Contains(t, s, "\x1b[38;2;255;0;0m\x1b[48;2;255;0;0m▀▀▀▀", "top line: red over red, colours sent once")
	assert.Contains(t, s, "\x1b[38;2;0;0;255m\x1b[48;2;0;0;255m▀▀▀▀", "bottom line: blue over blue")
	assert.Contains(t, s, "frame 7  4x4")
}

func TestTermScalesToFit(t *testing.T) {
	for _, tc := range []struct {
		w, h, cols, rows   int
		wantCells, wantLns int
	}{
		{640, 360, 80, 24, 79, 22},  // width-bound: 79 x 44 pixels
		{360, 640, 80, 24, 25, 23},  // height-bound: 25 x 46 pixels
		{10, 3, 80, 24, 10, 2},      // never enlarged; odd height
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
	for range 1000 { // one simulated second at 1000 fps
		require.NoError(t, term.WriteFrame(img, 0))
		clock.t = clock.t.Add(time.Millisecond)
	}
	require.NoError(t, term.Close())
	redraws := strings.Count(out.String(), "\x1b[H")
	// Slots start at 0, 34, 68, ... ms: 30 in one second at 30 redraws/s.
	assert.Equal(t, 30, redraws+term.Dropped())
	assert.GreaterOrEqual(t, redraws, 1)
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
