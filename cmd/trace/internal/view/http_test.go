package view_test

import (
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
	"os"
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
		assert.Greater(t, frame, last, "frames only move forward")
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

	body := get(t, srv.URL+"/")
	assert.Contains(t, body, `<img src="/stream"`)
	assert.Contains(t, body, `fetch("/status"`)

	var status struct{ Frame, Width, Height int }
	require.NoError(t, json.Unmarshal([]byte(get(t, srv.URL+"/status")), &status))
	assert.Equal(t, struct{ Frame, Width, Height int }{3, 40, 20}, status)

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

	// 3. Browsers fetch /, /stream, /frame.png or /status.
	resp, err := http.Get(srv.URL + "/status")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	io.Copy(os.Stdout, resp.Body)
	// Output: {"frame":2,"width":64,"height":36}
}
