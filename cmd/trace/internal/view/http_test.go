package view_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/jpeg"
	"image/png"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/cmd/trace/internal/frametest"
	"github.com/shmrun/shmrun/cmd/trace/internal/view"
)

// publish writes frames until ctx ends, as a render loop would.
func publish(ctx context.Context, t *testing.T, v *view.HTTP) <-chan struct{} {
	done := make(chan struct{})
	img := frametest.New(64, 36, 0)
	go func() {
		defer close(done)
		for n := 0; ctx.Err() == nil; n++ {
			frametest.Fill(img, n)
			assert.NoError(t, v.WriteFrame(img, n))
			time.Sleep(2 * time.Millisecond)
		}
	}()
	return done
}

func TestHTTPStreamSendsJPEGParts(t *testing.T) {
	v := view.NewHTTP()
	srv := httptest.NewServer(v.Handler())
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := publish(ctx, t, v)
	defer func() { cancel(); <-done; v.Close() }()

	resp, err := http.Get(srv.URL + "/stream")
	require.NoError(t, err)
	defer resp.Body.Close()
	mediaType, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	require.NoError(t, err)
	require.Equal(t, "multipart/x-mixed-replace", mediaType)

	mr := multipart.NewReader(resp.Body, params["boundary"])
	last := -1
	for range 2 {
		part, err := mr.NextPart()
		require.NoError(t, err)
		assert.Equal(t, "image/jpeg", part.Header.Get("Content-Type"))
		frame, err := strconv.Atoi(part.Header.Get("X-Frame"))
		require.NoError(t, err)
		assert.GreaterOrEqual(t, frame, last, "frames never go back (a frame may be sent twice)")
		last = frame
		img, err := jpeg.Decode(part)
		require.NoError(t, err)
		assert.Equal(t, 64, img.Bounds().Dx())
		assert.Equal(t, 36, img.Bounds().Dy())
	}
}

func TestHTTPPageStatusAndPNG(t *testing.T) {
	v := view.NewHTTP()
	defer v.Close()
	srv := httptest.NewServer(v.Handler())
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/frame.png")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "no frame yet")

	require.NoError(t, v.WriteFrame(frametest.New(40, 20, 3), 3))
	v.SetStatus(view.Status{Frames: 10, FPS: 29.96, TargetFPS: 30, FrameMS: 12.34, DeadlineMisses: 1,
		SPP: 2, PixelStep: 4, TracedShare: 1.0 / 16, Workers: 2})

	body := get(t, srv.URL+"/")
	assert.Contains(t, body, `<img id="picture" src="/stream"`, "live: the stream")
	assert.Contains(t, body, `fetch("/status"`)
	assert.Contains(t, body, `<span id="frame">frame 4/10</span><span id="size">40x20</span>`+
		`<span id="fps">30.0 fps (target 30)</span><span id="frame_ms">12.3 ms a frame</span>`+
		`<span id="misses">1 deadline miss</span><span id="rung">2 spp step 4</span>`+
		`<span id="traced">6.2% traced</span><span id="workers">2 workers</span>`, "the figures, before any script runs")
	assert.Contains(t, body, `<div id="state">rendering</div>`)

	var status struct {
		Frame, Width, Height, Frames int
		SPP                          int     `json:"spp"`
		PixelStep                    int     `json:"pixel_step"`
		TracedShare                  float64 `json:"traced_share"`
		Done                         bool
		Figures                      []struct{ Key, Text string }
	}
	require.NoError(t, json.Unmarshal([]byte(get(t, srv.URL+"/status")), &status))
	assert.Equal(t, [4]int{3, 40, 20, 10}, [4]int{status.Frame, status.Width, status.Height, status.Frames})
	assert.Equal(t, [2]int{2, 4}, [2]int{status.SPP, status.PixelStep})
	assert.InDelta(t, 1.0/16, status.TracedShare, 1e-12)
	assert.False(t, status.Done)
	require.Len(t, status.Figures, 8)
	assert.Equal(t, struct{ Key, Text string }{"traced", "6.2% traced"}, status.Figures[6])

	v.SetStatus(view.Status{Frames: 10, Done: true})
	body = get(t, srv.URL+"/")
	assert.Contains(t, body, `<img id="picture" src="/frame.png?frame=3"`, "over: the last frame, lossless")
	assert.Contains(t, body, "render finished")

	resp, err = http.Get(srv.URL + "/frame.png")
	require.NoError(t, err)
	defer resp.Body.Close()
	img, err := png.Decode(resp.Body)
	require.NoError(t, err)
	want := frametest.New(40, 20, 3).RGBAAt(5, 5)
	r, g, b, _ := img.At(5, 5).RGBA()
	assert.Equal(t, [3]uint8{want.R, want.G, want.B}, [3]uint8{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8)})
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}

// TestHTTPSlowClientNeverBlocks connects a client that reads nothing, then
// checks that the render loop's WriteFrame stays fast.
func TestHTTPSlowClientNeverBlocks(t *testing.T) {
	v, err := view.ListenHTTP("127.0.0.1:0")
	require.NoError(t, err)
	resp, err := http.Get(v.URL() + "stream")
	require.NoError(t, err)
	defer resp.Body.Close()

	img := frametest.New(320, 180, 0)
	start := time.Now()
	for n := range 300 {
		require.NoError(t, v.WriteFrame(img, n))
	}
	assert.Less(t, time.Since(start), 2*time.Second, "300 frames must not wait for the client")

	require.NoError(t, v.Close())
	_, err = io.Copy(io.Discard, resp.Body)
	assert.NoError(t, err, "the stream ends cleanly on Close")
	_, err = http.Get(v.URL())
	assert.Error(t, err, "server is down after Close")
}

func ExampleHTTP() {
	// 1. Make a view and serve it (ListenHTTP would listen on an address).
	v := view.NewHTTP()
	srv := httptest.NewServer(v.Handler())
	defer srv.Close()
	defer v.Close()

	// 2. The render loop hands it frames; it keeps a copy of the newest.
	for n := range 3 {
		if err := v.WriteFrame(frametest.New(64, 36, n), n); err != nil {
			fmt.Println(err)
		}
	}

	// 3. It shows the run's figures with them.
	v.SetStatus(view.Status{Frames: 3, SPP: 1, PixelStep: 2, TracedShare: 0.25, Workers: 2})

	// 4. Browsers fetch /, /stream, /frame.png or /status.
	resp, err := http.Get(srv.URL + "/status")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	var status struct {
		Frame   int
		Figures []struct{ Text string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&status); err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range status.Figures {
		fmt.Println(f.Text)
	}
	// Output:
	// frame 3/3
	// 64x36
	// 1 spp step 2
	// 25% traced
	// 2 workers
}

// TestHTTPStreamShowsALoneFrameAtOnce reads a stream that gets one frame
// and no other, as after a single-frame render: the part ends (its
// boundary follows it) without waiting for a next frame, which is when
// Firefox shows it, and the same frame comes again, which is when
// Chromium does.
func TestHTTPStreamShowsALoneFrameAtOnce(t *testing.T) {
	v := view.NewHTTP()
	srv := httptest.NewServer(v.Handler())
	defer srv.Close()
	defer v.Close()
	require.NoError(t, v.WriteFrame(frametest.New(64, 36, 5), 5))

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", srv.URL+"/stream", nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	_, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	require.NoError(t, err)
	mr := multipart.NewReader(resp.Body, params["boundary"])
	part, err := mr.NextPart()
	require.NoError(t, err)
	b, err := io.ReadAll(part) // ends at the boundary after the part
	require.NoError(t, err, "the part ends before any next frame")
	img, err := jpeg.Decode(bytes.NewReader(b))
	require.NoError(t, err)
	assert.Equal(t, 64, img.Bounds().Dx())
	assert.Equal(t, strconv.Itoa(len(b)), part.Header.Get("Content-Length"))

	// Chromium shows a part when the next one begins: the frame comes again.
	again, err := mr.NextPart()
	require.NoError(t, err, "the lone frame is sent again")
	b2, err := io.ReadAll(again)
	require.NoError(t, err)
	assert.Equal(t, "5", again.Header.Get("X-Frame"))
	assert.Equal(t, b, b2)
}
