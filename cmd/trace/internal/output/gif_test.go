package output_test

import (
	"image"
	"image/gif"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/cmd/trace/internal/frametest"
	"github.com/shmrun/shmrun/cmd/trace/internal/output"
)

func writeGIF(t *testing.T, w, h, frames int, fps float64) *gif.GIF {
	t.Helper()
	imgs := make([]*image.RGBA, frames)
	for n := range imgs {
		imgs[n] = frametest.New(w, h, n)
	}
	return encodeGIF(t, w, h, fps, imgs...)
}

// encodeGIF writes imgs as a GIF at fps and decodes it.
func encodeGIF(t *testing.T, w, h int, fps float64, imgs ...*image.RGBA) *gif.GIF {
	t.Helper()
	path := filepath.Join(t.TempDir(), "anim.gif")
	s, err := output.NewGIF(path, w, h, fps)
	require.NoError(t, err)
	for n, img := range imgs {
		require.NoError(t, s.WriteFrame(img, n))
	}
	require.NoError(t, s.Close())
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	g, err := gif.DecodeAll(f)
	require.NoError(t, err)
	return g
}

func TestGIFDecodes(t *testing.T) {
	g := writeGIF(t, 61, 33, 6, 30)
	require.Len(t, g.Image, 6)
	assert.Equal(t, 0, g.LoopCount, "loops forever")
	assert.Equal(t, []int{3, 4, 3, 3, 4, 3}, g.Delay, "30 fps keeps real time")
	assert.Equal(t, 61, g.Config.Width)
	assert.Equal(t, 33, g.Config.Height)
}

func TestGIFDelays(t *testing.T) {
	sum := func(d []int) (s int) {
		for _, v := range d {
			s += v
		}
		return s
	}
	assert.Equal(t, 100, sum(writeGIF(t, 4, 4, 24, 24).Delay), "24 frames at 24 fps last 1 s")
	assert.Equal(t, []int{3, 4, 3}, writeGIF(t, 4, 4, 3, 0).Delay, "unpaced uses DefaultFPS")
	assert.Equal(t, []int{2, 2, 2}, writeGIF(t, 4, 4, 3, 50).Delay)
}

// TestGIFAbove50FPSKeepsRealTime decodes GIFs of more than 50 fps: no
// delay under 2 hundredths (browsers would show it as 10), and the
// animation lasts as long as the frames did, within two delays (the last
// tick's rounding and the last frame's own delay), for any length: the
// frames a 50 Hz display would skip are left out, so there is no drift.
func TestGIFAbove50FPSKeepsRealTime(t *testing.T) {
	sum := func(d []int) (s int) {
		for _, v := range d {
			s += v
		}
		return s
	}
	for _, fps := range []float64{60, 59.94, 75, 120, 144} {
		for _, frames := range []int{1, 2, 7, 60, 100} {
			g := writeGIF(t, 4, 4, frames, fps)
			for _, d := range g.Delay {
				require.Equal(t, 2, d, "%v fps: every frame is shown for 2 hundredths", fps)
			}
			real := float64(frames) * 100 / fps
			total := float64(sum(g.Delay))
			assert.GreaterOrEqual(t, total, real, "never faster than real time")
			assert.Less(t, total, real+4, "%d frames at %v fps last %.1f hundredths: within two delays", frames, fps, real)
			assert.LessOrEqual(t, len(g.Image), frames)
		}
	}
	g := writeGIF(t, 4, 4, 60, 60)
	assert.Len(t, g.Image, 51, "60 fps: one frame in six left out, the last kept")
	assert.Equal(t, 102, sum(g.Delay), "one second of frames, and the last frame's own delay")
}

// TestGIFKeepsTheLastFrame checks that the final image of a 60 fps
// animation is the last frame written, even where the 50 Hz clock would
// skip it, and that a skipped frame in the middle is really left out.
func TestGIFKeepsTheLastFrame(t *testing.T) {
	const w, h = 8, 8
	for _, frames := range []int{6, 12} { // frame 5 and 11 fall between two ticks
		g := writeGIF(t, w, h, frames, 60)
		first := encodeGIF(t, w, h, 30, frametest.New(w, h, 0)) // same dither, other pixels
		assert.NotEqual(t, first.Image[0].Pix, g.Image[len(g.Image)-1].Pix)
		want := encodeGIF(t, w, h, 30, frametest.New(w, h, frames-1))
		assert.Equal(t, want.Image[0].Pix, g.Image[len(g.Image)-1].Pix, "%d frames: the last image is the last frame", frames)
		if frames == 12 {
			assert.Equal(t, encodeGIF(t, w, h, 30, frametest.New(w, h, 6)).Image[0].Pix, g.Image[5].Pix, "frame 5 is left out")
		}
	}
}

// TestGIFColorsAreClose checks the dithered frame against the source: each
// pixel within one palette step, and 8x8 block averages much closer, since
// ordered dithering preserves the mean colour.
func TestGIFColorsAreClose(t *testing.T) {
	src := frametest.New(64, 64, 0)
	g := writeGIF(t, 64, 64, 1, 30)
	got := g.Image[0]
	var blockErr [3]float64
	for by := 0; by < 64; by += 8 {
		for bx := 0; bx < 64; bx += 8 {
			var diff [3]float64
			for y := by; y < by+8; y++ {
				for x := bx; x < bx+8; x++ {
					r, gr, b, _ := got.At(x, y).RGBA()
					s := src.RGBAAt(x, y)
					d := [3]float64{float64(r>>8) - float64(s.R), float64(gr>>8) - float64(s.G), float64(b>>8) - float64(s.B)}
					for c := range 3 {
						require.LessOrEqual(t, abs(d[c]), 51.0, "pixel (%d,%d) channel %d", x, y, c)
						diff[c] += d[c] / 64
					}
				}
			}
			for c := range 3 {
				blockErr[c] = max(blockErr[c], abs(diff[c]))
			}
		}
	}
	for c := range 3 {
		assert.Less(t, blockErr[c], 12.0, "channel %d: worst 8x8 block mean error", c)
	}
}

func abs(v float64) float64 { return max(v, -v) }

func TestGIFNoFrames(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty.gif")
	s, err := output.NewGIF(path, 4, 4, 30)
	require.NoError(t, err)
	assert.ErrorIs(t, s.Close(), output.ErrNoFrames)
	assert.NoFileExists(t, path)
}
