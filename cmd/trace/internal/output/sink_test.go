package output_test

import (
	"errors"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/cmd/trace/internal/frametest"
	"github.com/shmrun/shmrun/cmd/trace/internal/output"
)

func TestOpenChoosesByName(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		path string
		want any
	}{
		{filepath.Join(dir, "a.png"), &output.PNG{}},
		{filepath.Join(dir, "a.PNG"), &output.PNG{}},
		{filepath.Join(dir, "a.gif"), &output.GIF{}},
		{filepath.Join(dir, "a.y4m"), &output.Y4M{}},
		{"-", &output.Y4M{}},
	} {
		s, err := output.Open(tc.path, 8, 8, 30, 1)
		require.NoError(t, err, tc.path)
		assert.IsType(t, tc.want, s, tc.path)
		if tc.path != "-" { // leave stdout alone; Close would flush the header
			s.Close()
		}
	}
	for _, path := range []string{"", "none"} {
		s, err := output.Open(path, 8, 8, 30, 1)
		require.NoError(t, err)
		assert.NoError(t, s.WriteFrame(nil, 0), "discard reads nothing")
		assert.NoError(t, s.Close())
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := output.Open(filepath.Join(dir, "a.mp4"), 8, 8, 30, 1)
	assert.ErrorIs(t, err, output.ErrFormat)
	assert.Contains(t, err.Error(), `".mp4"`)

	_, err = output.Open(filepath.Join(dir, "a.png"), 0, 8, 30, 1)
	assert.ErrorIs(t, err, output.ErrFrame)

	for _, ext := range []string{".y4m", ".gif", ".png"} {
		missing := filepath.Join(dir, "no", "such", "dir", "a"+ext)
		_, err = output.Open(missing, 8, 8, 30, 1)
		assert.ErrorIs(t, err, os.ErrNotExist, ext)
		assert.Contains(t, err.Error(), "open "+missing, ext)
		assert.Equal(t, 1, strings.Count(err.Error(), "open"), "%s: says open once: %v", ext, err)
	}
}

// TestBadFramesNeverPanic hands every sink frames that would index out of
// range if trusted.
func TestBadFramesNeverPanic(t *testing.T) {
	short := frametest.New(8, 8, 0)
	short.Pix = short.Pix[:100]
	badStride := frametest.New(8, 8, 0)
	badStride.Stride = 4
	for _, ext := range []string{".png", ".gif", ".y4m"} {
		s, err := output.Open(filepath.Join(t.TempDir(), "a"+ext), 8, 8, 30, 1)
		require.NoError(t, err)
		for name, img := range map[string]*image.RGBA{
			"nil": nil, "wrong size": frametest.New(9, 8, 0), "short pix": short, "stride": badStride,
		} {
			err := s.WriteFrame(img, 0)
			assert.ErrorIs(t, err, output.ErrFrame, "%s %s", ext, name)
		}
		s.Close()
	}
}

func TestWriteAfterClose(t *testing.T) {
	for _, ext := range []string{".png", ".gif", ".y4m"} {
		s, err := output.Open(filepath.Join(t.TempDir(), "a"+ext), 8, 8, 30, 1)
		require.NoError(t, err)
		require.NoError(t, s.WriteFrame(frametest.New(8, 8, 0), 0))
		require.NoError(t, s.Close())
		assert.ErrorIs(t, s.WriteFrame(frametest.New(8, 8, 0), 1), output.ErrClosed, ext)
		assert.NoError(t, s.Close(), "second Close of %s", ext)
	}
}

type recordSink struct {
	frames []int
	err    error
	closed bool
}

func (r *recordSink) WriteFrame(_ *image.RGBA, frame int) error {
	r.frames = append(r.frames, frame)
	return r.err
}

func (r *recordSink) Close() error { r.closed = true; return r.err }

func TestMultiVisitsAllAndJoinsErrors(t *testing.T) {
	boom := errors.New("boom")
	a, b := &recordSink{err: boom}, &recordSink{}
	m := output.Multi(a, b)
	assert.ErrorIs(t, m.WriteFrame(nil, 7), boom)
	assert.Equal(t, []int{7}, b.frames, "a failing sink does not stop the next")
	assert.ErrorIs(t, m.Close(), boom)
	assert.True(t, a.closed && b.closed)
}

func TestCheckFrame(t *testing.T) {
	assert.NoError(t, output.CheckFrame(frametest.New(3, 2, 0)))
	empty := image.NewRGBA(image.Rect(0, 0, 0, 0))
	assert.ErrorIs(t, output.CheckFrame(empty), output.ErrFrame)
	huge := &image.RGBA{Rect: image.Rect(0, 0, 1<<20, 1<<20), Stride: 4 << 20}
	assert.ErrorIs(t, output.CheckFrame(huge), output.ErrFrame)
}

func TestCheckFrameHugeStride(t *testing.T) {
	img := frametest.New(4, 4, 0)
	img.Stride = 1 << 62 // (h-1)*Stride would overflow
	assert.ErrorIs(t, output.CheckFrame(img), output.ErrFrame)
}

func TestCheckFrameLastRowSubImage(t *testing.T) {
	sub := frametest.New(4, 4, 0).SubImage(image.Rect(2, 3, 4, 4)).(*image.RGBA)
	assert.NoError(t, output.CheckFrame(sub))
}
