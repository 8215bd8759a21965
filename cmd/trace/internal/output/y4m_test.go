package output_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/cmd/trace/internal/frametest"
	"github.com/shmrun/shmrun/cmd/trace/internal/output"
)

// refYCbCr is the float BT.601 limited-range reference.
func refYCbCr(r, g, b float64) (y, cb, cr float64) {
	y = 16 + (0.299*r+0.587*g+0.114*b)*219/255
	cb = 128 + (-0.168736*r-0.331264*g+0.5*b)*224/255
	cr = 128 + (0.5*r-0.418688*g-0.081312*b)*224/255
	return
}

// readY4M parses a stream written by the sink: the header and the frames.
func readY4M(t *testing.T, data []byte, w, h, cw, ch int) (header string, frames [][]byte) {
	t.Helper()
	br := bufio.NewReader(bytes.NewReader(data))
	header, err := br.ReadString('\n')
	require.NoError(t, err)
	size := w*h + 2*cw*ch
	for {
		tag, err := br.ReadString('\n')
		if errors.Is(err, io.EOF) && tag == "" {
			return header, frames
		}
		require.NoError(t, err)
		require.Equal(t, "FRAME\n", tag)
		f := make([]byte, size)
		_, err = io.ReadFull(br, f)
		require.NoError(t, err)
		frames = append(frames, f)
	}
}

func TestY4MHeaderAndFrames(t *testing.T) {
	var buf bytes.Buffer
	s, err := output.NewY4M(&buf, "buf", 64, 36, 29.97, output.Chroma420)
	require.NoError(t, err)
	for n := range 3 {
		require.NoError(t, s.WriteFrame(frametest.New(64, 36, n), n))
	}
	require.NoError(t, s.Close())

	header, frames := readY4M(t, buf.Bytes(), 64, 36, 32, 18)
	assert.Equal(t, "YUV4MPEG2 W64 H36 F30000:1001 Ip A1:1 C420jpeg XCOLORRANGE=LIMITED\n", header)
	assert.Len(t, frames, 3)
}

// TestY4MMatchesReference checks every sample against the float reference,
// for both chroma modes and odd sizes (edge blocks).
func TestY4MMatchesReference(t *testing.T) {
	for _, tc := range []struct {
		name   string
		c      output.Chroma
		w, h   int
		cw, ch int
	}{
		{"420 even", output.Chroma420, 40, 20, 20, 10},
		{"420 odd", output.Chroma420, 41, 21, 21, 11},
		{"444 odd", output.Chroma444, 41, 21, 41, 21},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := frametest.New(tc.w, tc.h, 5)
			var buf bytes.Buffer
			s, err := output.NewY4M(&buf, "buf", tc.w, tc.h, 30, tc.c)
			require.NoError(t, err)
			require.NoError(t, s.WriteFrame(img, 0))
			require.NoError(t, s.Close())
			_, frames := readY4M(t, buf.Bytes(), tc.w, tc.h, tc.cw, tc.ch)
			require.Len(t, frames, 1)
			checkPlanes(t, img, frames[0], tc.cw, tc.ch)
		})
	}
}

func checkPlanes(t *testing.T, img *image.RGBA, f []byte, cw, ch int) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	sx, sy := 1, 1
	if cw < w {
		sx, sy = 2, 2 // 4:2:0
	}
	worst := 0.0
	for y := range h {
		for x := range w {
			ry, _, _ := refYCbCr(rgb(img, x, y))
			worst = math.Max(worst, math.Abs(float64(f[y*w+x])-ry))
		}
	}
	for y := range ch {
		for x := range cw {
			var cb, cr float64
			for _, d := range [][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 1}}[:sx*sy] {
				px, py := min(x*sx+d[0]*(sx-1), w-1), min(y*sy+d[1]*(sy-1), h-1)
				_, b, r := refYCbCr(rgb(img, px, py))
				cb, cr = cb+b/float64(sx*sy), cr+r/float64(sx*sy)
			}
			worst = math.Max(worst, math.Abs(float64(f[w*h+y*cw+x])-cb))
			worst = math.Max(worst, math.Abs(float64(f[w*h+cw*ch+y*cw+x])-cr))
		}
	}
	assert.LessOrEqual(t, worst, 0.51, "fixed point must round like the float reference")
}

func rgb(img *image.RGBA, x, y int) (r, g, b float64) {
	c := img.RGBAAt(x, y)
	return float64(c.R), float64(c.G), float64(c.B)
}

func TestY4MLimitedRange(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 4, 2))
	colors := [][3]uint8{{0, 0, 0}, {255, 255, 255}, {128, 128, 128}, {255, 0, 0}}
	for i, c := range colors {
		for y := range 2 {
			copy(img.Pix[y*img.Stride+4*i:], []byte{c[0], c[1], c[2], 255})
		}
	}
	var buf bytes.Buffer
	s, err := output.NewY4M(&buf, "buf", 4, 2, 30, output.Chroma444)
	require.NoError(t, err)
	require.NoError(t, s.WriteFrame(img, 0))
	require.NoError(t, s.Close())
	_, frames := readY4M(t, buf.Bytes(), 4, 2, 4, 2)
	f := frames[0]
	assert.Equal(t, []byte{16, 235, 126, 81}, f[0:4], "Y: black, white, grey, red")
	assert.Equal(t, []byte{128, 128, 128, 90}, f[8:12], "Cb")
	assert.Equal(t, []byte{128, 128, 128, 240}, f[16:20], "Cr")
}

type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	if f.n -= len(p); f.n < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestY4MWriteErrorIsSticky(t *testing.T) {
	s, err := output.NewY4M(&failWriter{n: 100}, "pipe", 64, 36, 30, output.Chroma420)
	require.NoError(t, err)
	err = s.WriteFrame(frametest.New(64, 36, 0), 0)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "write pipe: frame 0: disk full")
	assert.Equal(t, err, s.WriteFrame(frametest.New(64, 36, 1), 1))
	assert.Equal(t, err, s.Close())
}

func ExampleNewY4M() {
	var video bytes.Buffer
	s, err := output.NewY4M(&video, "video", 64, 36, 60, output.Chroma420)
	if err != nil {
		fmt.Println(err)
		return
	}
	for n := range 2 {
		if err := s.WriteFrame(frametest.New(64, 36, n), n); err != nil {
			fmt.Println(err)
		}
	}
	if err := s.Close(); err != nil {
		fmt.Println(err)
	}
	header, _, _ := strings.Cut(video.String(), "\n")
	fmt.Println(header)
	fmt.Println(video.Len(), "bytes")
	// Output:
	// YUV4MPEG2 W64 H36 F60:1 Ip A1:1 C420jpeg XCOLORRANGE=LIMITED
	// 6985 bytes
}
