package view_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/cmd/trace/internal/frametest"
	"github.com/shmrun/shmrun/cmd/trace/internal/view"
)

func TestOpen(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "tty"))
	require.NoError(t, err)
	defer f.Close()

	for _, spec := range []string{"", "none"} {
		s, err := view.Open(spec, f)
		require.NoError(t, err)
		s.SetStatus(view.Status{Frames: 1})
		assert.NoError(t, s.WriteFrame(frametest.New(8, 8, 0), 0))
		assert.NoError(t, s.Close())
	}

	s, err := view.Open("term", f)
	require.NoError(t, err)
	assert.IsType(t, &view.Term{}, s)
	s.SetStatus(view.Status{Frames: 1, SPP: 4, PixelStep: 1, TracedShare: 1, Workers: 2})
	require.NoError(t, s.WriteFrame(frametest.New(8, 8, 0), 0))
	require.NoError(t, s.Close())
	drawn, err := os.ReadFile(f.Name())
	require.NoError(t, err)
	assert.Equal(t, "frame 1/1  8x8  4 spp step 1  100% traced  2 workers\n", string(drawn),
		"a file is no terminal: a plain status line, no escape code")

	s, err = view.Open("http=127.0.0.1:0", f)
	require.NoError(t, err)
	assert.IsType(t, &view.HTTP{}, s)
	assert.NoError(t, s.Close())

	for _, spec := range []string{"tty", "http=", "term=x", "HTTP=:1"} {
		_, err := view.Open(spec, f)
		assert.ErrorIs(t, err, view.ErrSpec, spec)
	}
	_, err = view.Open("http=256.0.0.1:bad", f)
	assert.ErrorContains(t, err, "http view:")
}
