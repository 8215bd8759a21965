package output

import (
	"bufio"
	"fmt"
	"image"
	"io"
	"math"
)

// Chroma selects the chroma subsampling of a [Y4M] stream.
type Chroma int

const (
	// Chroma420 ("C420jpeg") averages each 2x2 block into one chroma
	// sample. It is half the size of 4:4:4 and what ffmpeg's default H.264
	// encoding and every player expect; Open uses it.
	Chroma420 Chroma = iota
	// Chroma444 ("C444") keeps full-resolution chroma. Note that ffmpeg then
	// encodes H.264 in the 4:4:4 profile, which many players cannot play
	// without -pix_fmt yuv420p.
	Chroma444
)

func (c Chroma) tag() string {
	if c == Chroma444 {
		return "444"
	}
	return "420jpeg"
}

// Y4M is a [Sink] that writes YUV4MPEG2 video: a header line such as
//
//	YUV4MPEG2 W640 H360 F30:1 Ip A1:1 C420jpeg XCOLORRANGE=LIMITED
//
// then, per frame, "FRAME\n" and the Y', Cb, Cr planes, converted from RGB
// with BT.601 coefficients in limited range (Y' 16..235, see yuv.go) using
// integer fixed-point arithmetic. ffmpeg reads it without options:
//
//	trace -o - | ffmpeg -i - out.mp4
//
// The planes are converted into one buffer allocated by NewY4M and written
// through a bufio.Writer, which is flushed at the end of every frame so that
// a consumer on a pipe gets each frame as soon as it is written; WriteFrame
// allocates nothing.
type Y4M struct {
	name   string
	bw     *bufio.Writer
	closer io.Closer // the file Open created, or nil
	p      *planes
	err    error // sticky: the first write error
	closed bool
}

// NewY4M writes the stream header for w x h frames at fps frames per second
// (fps <= 0 means [DefaultFPS]) to dst, which the sink does not close. name
// identifies dst in errors ("stdout", a path). The header is buffered, so
// write errors surface from WriteFrame or Close.
func NewY4M(dst io.Writer, name string, w, h int, fps float64, c Chroma) (*Y4M, error) {
	if err := checkSize(w, h); err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	if c != Chroma420 && c != Chroma444 {
		return nil, fmt.Errorf("open %s: %w: chroma %d", name, ErrFormat, c)
	}
	s := &Y4M{name: name, bw: bufio.NewWriterSize(dst, 64<<10), p: newPlanes(w, h, c)}
	num, den := rational(normFPS(fps))
	fmt.Fprintf(s.bw, "YUV4MPEG2 W%d H%d F%d:%d Ip A1:1 C%s XCOLORRANGE=LIMITED\n", w, h, num, den, c.tag())
	return s, nil
}

// WriteFrame converts img and writes it as the next frame. After a write
// error the sink is broken: every later call returns that error.
func (s *Y4M) WriteFrame(img *image.RGBA, frame int) error {
	if s.closed {
		return fmt.Errorf("write %s: %w", s.name, ErrClosed)
	}
	if s.err != nil {
		return s.err
	}
	if err := checkFrame(img, s.p.w, s.p.h); err != nil {
		return fmt.Errorf("write %s: frame %d: %w", s.name, frame, err)
	}
	s.p.convert(img)
	_, err := s.bw.Write(s.p.buf)
	if err == nil {
		err = s.bw.Flush() // a live consumer (ffmpeg, a player) gets the frame now
	}
	if err != nil {
		s.err = fmt.Errorf("write %s: frame %d: %w", s.name, frame, err)
		return s.err
	}
	return nil
}

// Close flushes the stream and closes the file that [Open] created; a
// writer passed to NewY4M is left open.
func (s *Y4M) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	err := s.bw.Flush()
	if s.closer != nil {
		if cerr := s.closer.Close(); err == nil {
			err = cerr
		}
	}
	if s.err != nil {
		return s.err
	}
	if err != nil {
		return fmt.Errorf("close %s: %w", s.name, err)
	}
	return nil
}

// rational writes fps as the fraction YUV4MPEG2 wants: integers as N:1, the
// NTSC family (29.97, 23.976, 59.94) as N*1000:1001, anything else to three
// decimals.
func rational(fps float64) (num, den int) {
	if r := math.Round(fps); math.Abs(fps-r) < 1e-6 {
		return int(r), 1
	}
	if r := math.Round(fps * 1.001); math.Abs(fps*1.001-r) < 1e-3 {
		return int(r) * 1000, 1001
	}
	num, den = int(math.Round(fps*1000)), 1000
	g := gcd(num, den)
	return num / g, den / g
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return max(a, 1)
}
