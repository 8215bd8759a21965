package headless_test

import (
	"image"
	"image/color"
	"image/draw"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/shmrun/shmrun/cmd/trace/internal/frametest"
	"github.com/shmrun/shmrun/cmd/trace/internal/headless"
)

// page is a 300 x 200 dark page with frame pasted at 37, 21.
func page(frame *image.RGBA) *image.RGBA {
	p := image.NewRGBA(image.Rect(0, 0, 300, 200))
	draw.Draw(p, p.Rect, image.NewUniform(color.RGBA{17, 17, 17, 255}), image.Point{}, draw.Src)
	draw.Draw(p, frame.Rect.Add(image.Pt(37, 21)), frame, image.Point{}, draw.Src)
	return p
}

func TestLocate(t *testing.T) {
	frame := frametest.New(64, 36, 3)
	shot := page(frame)
	at, ok := headless.Locate(shot, frame, 0)
	assert.True(t, ok)
	assert.Equal(t, image.Pt(37, 21), at, "the very pixels")

	noisy := page(frame) // every channel 2 off, as a lossy copy would be
	for i := range noisy.Pix {
		if i%4 != 3 {
			noisy.Pix[i] = uint8(max(int(noisy.Pix[i])-2, 0))
		}
	}
	_, ok = headless.Locate(noisy, frame, 0)
	assert.False(t, ok, "not the very pixels")
	at, ok = headless.Locate(noisy, frame, 3)
	assert.True(t, ok, "within the tolerance")
	assert.Equal(t, image.Pt(37, 21), at)

	_, ok = headless.Locate(page(frametest.New(64, 36, 9)), frame, 3)
	assert.False(t, ok, "another frame")
}
