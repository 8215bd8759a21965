package view_test

import (
	"context"
	"image"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/cmd/trace/internal/headless"
	"github.com/shmrun/shmrun/cmd/trace/internal/view"
)

// quadrants is a w x h frame of four flat colours, which JPEG keeps close.
func quadrants(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	colours := [4][4]byte{{230, 40, 40, 255}, {40, 200, 60, 255}, {50, 70, 230, 255}, {240, 240, 240, 255}}
	for y := range h {
		for x := range w {
			q := 2*(2*y/h) + 2*x/w
			copy(img.Pix[img.PixOffset(x, y):], colours[q][:])
		}
	}
	return img
}

// TestHTTPPageInChromium loads the page in headless Chromium while the
// render runs (the MJPEG stream) and once it is over (the last frame as a
// PNG): the screenshot shows the frame, within JPEG's error and then
// exactly, and the page's script has put the figures in the DOM.
func TestHTTPPageInChromium(t *testing.T) {
	bin, err := headless.Find()
	if err != nil {
		t.Skipf("the page is not tested in a browser: %v", err)
	}
	v, err := view.ListenHTTP("127.0.0.1:0")
	require.NoError(t, err)
	defer v.Close()
	frame := quadrants(160, 90)
	v.SetStatus(view.Status{Frames: 5, FPS: 24, TargetFPS: 24, FrameMS: 20.5, SPP: 2, PixelStep: 2, TracedShare: 0.25, Workers: 3})
	require.NoError(t, v.WriteFrame(frame, 4))

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	shot, err := headless.Screenshot(ctx, bin, v.URL(), 640, 400)
	require.NoError(t, err)
	_, ok := headless.Locate(shot, frame, 6)
	assert.True(t, ok, "the streamed frame is on the page")

	dom, err := headless.DumpDOM(ctx, bin, v.URL())
	require.NoError(t, err)
	assert.Contains(t, dom, `data-polled="4"`, "the script fetched /status")
	for _, fig := range []string{"frame 5/5", "160x90", "24.0 fps (target 24)", "20.5 ms a frame", "0 deadline misses",
		"2 spp step 2", "25% traced", "3 workers", "rendering"} {
		assert.Contains(t, dom, fig)
	}

	v.SetStatus(view.Status{Frames: 5, SPP: 2, PixelStep: 2, TracedShare: 0.25, Workers: 3, Done: true})
	shot, err = headless.Screenshot(ctx, bin, v.URL(), 640, 400)
	require.NoError(t, err)
	_, ok = headless.Locate(shot, frame, 0)
	assert.True(t, ok, "the last frame, pixel for pixel")
	dom, err = headless.DumpDOM(ctx, bin, v.URL())
	require.NoError(t, err)
	assert.Contains(t, dom, "render finished")
	assert.Contains(t, dom, `src="/frame.png?frame=4"`)
}
