package output

import (
	"errors"
	"fmt"
	"image"
	"math"
	"os"
	"path/filepath"
	"strings"
)

// Sink consumes finished frames.
//
// WriteFrame is called from one goroutine, with frames in presentation
// order. img is valid only during the call: its Pix may alias shared memory
// that is overwritten once WriteFrame returns, so a Sink must finish reading
// it (or copy what it needs into a buffer it owns) before returning, and must
// never write to it. frame is the frame number, counted from 0.
//
// Close flushes buffered data and releases the destination. After Close,
// WriteFrame returns an error wrapping [ErrClosed]; a second Close returns
// nil. A Sink never panics on a bad frame: it returns an error instead.
type Sink interface {
	WriteFrame(img *image.RGBA, frame int) error
	Close() error
}

// Sentinel errors, matched with errors.Is. Sinks wrap them with the path or
// stream they concern.
var (
	// ErrClosed is returned by WriteFrame after Close.
	ErrClosed = errors.New("sink closed")
	// ErrFrame is returned by WriteFrame when the frame is nil, has the
	// wrong size, or its Pix is too short for its bounds and stride.
	ErrFrame = errors.New("bad frame")
	// ErrFormat is returned by Open for a path it has no sink for.
	ErrFormat = errors.New("unknown output format")
	// ErrNoFrames is returned by Close of a GIF sink that was given no
	// frame: a GIF without an image is not a valid file, so none is left.
	ErrNoFrames = errors.New("no frames written")
)

// DefaultFPS is the frame rate written into video containers (GIF, Y4M) when
// given a frame rate that is not positive and finite, as an unpaced run
// (fps 0) does.
const DefaultFPS = 30

// Open returns the sink for path, for frames of w x h pixels shown at fps
// frames per second. frames is the number of frames the run will produce,
// or 0 if unknown; it decides how PNG files are named (see [NewPNG]).
//
// Open chooses by name, ignoring the extension's case:
//
//	"", "none"   [Discard]
//	"-"          Y4M 4:2:0 video on stdout (stdout is flushed, never closed)
//	"*.png"      [NewPNG]
//	"*.gif"      [NewGIF]
//	"*.y4m"      [NewY4M] 4:2:0 into a new file
//
// GIF and Y4M files are created (or truncated) by Open, and a PNG sink
// checks that its first file can be written, so an unwritable path fails
// here rather than after the first frame. Errors wrap [ErrFormat], [ErrFrame] for a
// bad size, or the underlying *os.PathError.
func Open(path string, w, h int, fps float64, frames int) (Sink, error) {
	if err := checkSize(w, h); err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	fps = normFPS(fps)
	switch ext := strings.ToLower(filepath.Ext(path)); {
	case path == "" || path == "none":
		return Discard(), nil
	case path == "-":
		return NewY4M(os.Stdout, "stdout", w, h, fps, Chroma420)
	case ext == ".png":
		return NewPNG(path, w, h, frames)
	case ext == ".gif":
		return NewGIF(path, w, h, fps)
	case ext == ".y4m":
		return createY4M(path, w, h, fps)
	default:
		return nil, fmt.Errorf("%s: %w %q (want .png, .gif, .y4m, - or none)", path, ErrFormat, ext)
	}
}

// createY4M opens a Y4M file sink that closes its file on Close.
func createY4M(path string, w, h int, fps float64) (Sink, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err // a *os.PathError: "open path: why"
	}
	s, err := NewY4M(f, path, w, h, fps, Chroma420)
	if err != nil {
		f.Close()
		return nil, err
	}
	s.closer = f
	return s, nil
}

// normFPS replaces a frame rate that is not a positive finite number
// (unpaced runs pass 0) with DefaultFPS.
func normFPS(fps float64) float64 {
	if !(fps > 0) || math.IsInf(fps, 0) {
		return DefaultFPS
	}
	return fps
}

// checkSize rejects frame sizes no sink can hold.
func checkSize(w, h int) error {
	if w <= 0 || h <= 0 || w > MaxSide || h > MaxSide || w*h > MaxPixels {
		return fmt.Errorf("%w: size %dx%d", ErrFrame, w, h)
	}
	return nil
}

// CheckFrame returns an error wrapping [ErrFrame] unless img can be read
// without panicking: not nil, not empty, a stride that covers a row, and a
// Pix long enough for its bounds. A frame's bounds and stride come from
// shared memory, so sinks that accept any size (the live views) call it
// before indexing. It reads no pixel and is safe for concurrent use.
func CheckFrame(img *image.RGBA) error {
	if img == nil {
		return fmt.Errorf("%w: nil image", ErrFrame)
	}
	w, h := img.Rect.Dx(), img.Rect.Dy()
	if err := checkSize(w, h); err != nil {
		return err
	}
	// With two rows or more, a valid Pix holds at least one stride, and
	// bounding the stride keeps the offset arithmetic below from overflowing.
	if img.Stride < 4*w || (h > 1 && img.Stride > len(img.Pix)) {
		return fmt.Errorf("%w: stride %d for width %d and %d pixel bytes", ErrFrame, img.Stride, w, len(img.Pix))
	}
	last := img.PixOffset(img.Rect.Max.X-1, img.Rect.Max.Y-1) + 4
	if img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y) < 0 || last > len(img.Pix) {
		return fmt.Errorf("%w: %d pixel bytes do not cover %v with stride %d", ErrFrame, len(img.Pix), img.Rect, img.Stride)
	}
	return nil
}

// checkFrame verifies that img is a readable w x h frame, so that the
// encoders can index rows without panicking.
func checkFrame(img *image.RGBA, w, h int) error {
	if img != nil && (img.Rect.Dx() != w || img.Rect.Dy() != h) {
		return fmt.Errorf("%w: got %dx%d, want %dx%d", ErrFrame, img.Rect.Dx(), img.Rect.Dy(), w, h)
	}
	return CheckFrame(img)
}

// row returns the 4*w bytes of row y (counted from the top of img.Rect).
// checkFrame must have accepted img.
func row(img *image.RGBA, y, w int) []byte {
	off := img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y+y)
	return img.Pix[off : off+4*w : off+4*w]
}
