package output_test

import (
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/cmd/trace/internal/frametest"
	"github.com/shmrun/shmrun/cmd/trace/internal/output"
)

func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	return img
}

func TestPNGSingleFrame(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trace.png")
	s, err := output.NewPNG(path, 32, 18, 1)
	require.NoError(t, err)
	src := frametest.New(32, 18, 0)
	require.NoError(t, s.WriteFrame(src, 0))
	require.NoError(t, s.Close())

	got := decodePNG(t, path)
	require.Equal(t, src.Bounds(), got.Bounds())
	for y := range 18 {
		for x := range 32 {
			r, g, b, a := got.At(x, y).RGBA()
			want := src.RGBAAt(x, y)
			assert.Equal(t, [4]uint8{want.R, want.G, want.B, 255}, [4]uint8{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), uint8(a >> 8)})
		}
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	assert.Len(t, entries, 1, "no temporary file left behind")
}

func TestPNGSequenceNames(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		frames, frame int
		want          string
	}{
		{0, 3, "trace_0003.png"},
		{2, 1, "trace_0001.png"},
		{10000, 9999, "trace_9999.png"},
		{10001, 10000, "trace_10000.png"},
		{10001, 7, "trace_00007.png"},
	} {
		s, err := output.NewPNG(filepath.Join(dir, "trace.png"), 4, 4, tc.frames)
		require.NoError(t, err)
		assert.Equal(t, filepath.Join(dir, tc.want), s.Name(tc.frame))
	}
}

func TestPNGSequenceWritesFiles(t *testing.T) {
	dir := t.TempDir()
	s, err := output.Open(filepath.Join(dir, "seq.png"), 16, 9, 30, 3)
	require.NoError(t, err)
	for n := range 3 {
		require.NoError(t, s.WriteFrame(frametest.New(16, 9, n), n))
	}
	require.NoError(t, s.Close())
	for _, name := range []string{"seq_0000.png", "seq_0001.png", "seq_0002.png"} {
		assert.Equal(t, image.Rect(0, 0, 16, 9), decodePNG(t, filepath.Join(dir, name)).Bounds())
	}
}

func TestPNGSubImageFrame(t *testing.T) {
	// A frame may be a window on a larger shared buffer.
	big := frametest.New(20, 20, 1)
	sub := big.SubImage(image.Rect(4, 4, 12, 10)).(*image.RGBA)
	path := filepath.Join(t.TempDir(), "sub.png")
	s, err := output.NewPNG(path, 8, 6, 1)
	require.NoError(t, err)
	require.NoError(t, s.WriteFrame(sub, 0))
	got := decodePNG(t, path)
	r, g, b, _ := got.At(0, 0).RGBA()
	want := big.RGBAAt(4, 4)
	assert.Equal(t, [3]uint8{want.R, want.G, want.B}, [3]uint8{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8)})
}

func TestPNGWriteErrorNamesFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "gone", "x.png")
	require.NoError(t, os.Mkdir(filepath.Dir(path), 0o755))
	s, err := output.NewPNG(path, 4, 4, 1)
	require.NoError(t, err)
	require.NoError(t, os.Remove(filepath.Dir(path))) // gone after the sink was opened
	err = s.WriteFrame(frametest.New(4, 4, 0), 0)
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.Contains(t, err.Error(), "write "+path+": ")
}

// TestPNGUnwritableFailsAtOpen checks that NewPNG finds out, without
// leaving a file, that frames could not be written: the directory does
// not exist or is not writable, or the file's name is a directory.
func TestPNGUnwritableFailsAtOpen(t *testing.T) {
	dir := t.TempDir()
	_, err := output.NewPNG(filepath.Join(dir, "gone", "x.png"), 4, 4, 1)
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.Contains(t, err.Error(), "open "+filepath.Join(dir, "gone", "x.png")+": ", "names the frame's file, not a temporary one")
	assert.NotContains(t, err.Error(), ".tmp")

	require.NoError(t, os.Mkdir(filepath.Join(dir, "seq_0000.png"), 0o755))
	_, err = output.NewPNG(filepath.Join(dir, "seq.png"), 4, 4, 3)
	assert.ErrorContains(t, err, "seq_0000.png: is a directory", "the first numbered frame is checked")

	ro := filepath.Join(dir, "ro")
	require.NoError(t, os.Mkdir(ro, 0o555))
	if os.Geteuid() != 0 { // root writes anywhere
		_, err = output.NewPNG(filepath.Join(ro, "x.png"), 4, 4, 1)
		assert.ErrorIs(t, err, os.ErrPermission)
	}
	_, err = output.NewPNG("/proc/x.png", 4, 4, 1)
	assert.Error(t, err)

	s, err := output.NewPNG(filepath.Join(dir, "ok.png"), 4, 4, 2)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	left, err := filepath.Glob(filepath.Join(dir, "ok*"))
	require.NoError(t, err)
	assert.Empty(t, left, "opening creates no file")
}

func TestCheckWritable(t *testing.T) {
	dir := t.TempDir()
	fresh := filepath.Join(dir, "fresh.json")
	require.NoError(t, output.CheckWritable(fresh))
	assert.NoFileExists(t, fresh, "a file it made is removed")
	old := filepath.Join(dir, "old.json")
	require.NoError(t, os.WriteFile(old, []byte("keep"), 0o644))
	require.NoError(t, output.CheckWritable(old))
	b, err := os.ReadFile(old)
	require.NoError(t, err)
	assert.Equal(t, "keep", string(b), "an existing file is not truncated")
	assert.Error(t, output.CheckWritable(dir), "a directory")
	assert.ErrorIs(t, output.CheckWritable(filepath.Join(dir, "no", "x")), os.ErrNotExist)
}
