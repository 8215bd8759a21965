package output

import (
	"bufio"
	"fmt"
	"image"
	"os"
)

// GIF is a [Sink] that streams an animated, looping GIF to a file: each
// frame is quantized to a fixed 252-colour palette with ordered dithering
// (see palette.go for why) and compressed as it arrives, and Close writes
// the trailer. The frame delay comes from the frame rate (see [NewGIF]).
type GIF struct {
	path  string
	f     *os.File
	bw    *bufio.Writer
	gs    *gifStream
	q     *quantizer
	idx   []byte // one row of palette indices, reused
	err   error  // sticky: the first write error
	close bool
	seen  int    // frames given to WriteFrame
	held  []byte // a left-out frame's indices, shown if it turns out to be the last
	hold  bool   // held holds the latest frame
}

// NewGIF creates (or truncates) path for an animation of w x h frames shown
// at fps frames per second (fps <= 0 means [DefaultFPS]). Delays are in
// hundredths of a second, alternating so that the average matches fps up
// to 50 fps. Browsers show a delay under 2 as 10, so above 50 fps the
// animation shows 50 frames a second for 2 hundredths each, the frames
// that a 50 Hz display would skip left out (one in six at 60 fps), and
// keeps real time; the last frame is always in it.
func NewGIF(path string, w, h int, fps float64) (*GIF, error) {
	if err := checkSize(w, h); err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	fps = normFPS(fps)
	f, err := os.Create(path)
	if err != nil {
		return nil, err // a *os.PathError: "open path: why"
	}
	bw := bufio.NewWriterSize(f, 64<<10)
	return &GIF{
		path: path, f: f, bw: bw,
		gs:  newGIFStream(bw, w, h, fps),
		q:   newQuantizer(),
		idx: make([]byte, w),
	}, nil
}

// WriteFrame quantizes and compresses img into the file before returning.
// After a write error the sink is broken: every later call returns that
// error.
func (s *GIF) WriteFrame(img *image.RGBA, frame int) error {
	if s.close {
		return fmt.Errorf("write %s: %w", s.path, ErrClosed)
	}
	if s.err != nil {
		return s.err
	}
	if err := checkFrame(img, s.gs.width, s.gs.height); err != nil {
		return fmt.Errorf("write %s: frame %d: %w", s.path, frame, err)
	}
	n := s.seen
	s.seen++
	w, h := s.gs.width, s.gs.height
	if !s.gs.shows(n) { // left out, unless it is the last: keep its indices
		if s.held == nil {
			s.held = make([]byte, w*h)
		}
		for y := range h {
			s.q.row(s.held[y*w:(y+1)*w], row(img, y, w), y)
		}
		s.hold = true
		return nil
	}
	s.hold = false
	s.gs.beginFrame(s.gs.delay(n))
	for y := range h {
		s.q.row(s.idx, row(img, y, w), y)
		if _, err := s.gs.lzw.Write(s.idx); err != nil {
			return s.fail(err)
		}
	}
	return s.endFrame()
}

func (s *GIF) endFrame() error {
	if err := s.gs.endFrame(); err != nil {
		return s.fail(err)
	}
	return nil
}

// flushHeld writes the held frame, the last one, which the animation
// would otherwise leave out.
func (s *GIF) flushHeld() error {
	if !s.hold || s.err != nil {
		return s.err
	}
	s.hold = false
	s.gs.beginFrame(minDelay)
	if _, err := s.gs.lzw.Write(s.held); err != nil {
		return s.fail(err)
	}
	return s.endFrame()
}

// Close writes the trailer and closes the file. If no frame was written it
// removes the file and returns an error wrapping [ErrNoFrames], since a GIF
// without an image is not valid.
func (s *GIF) Close() error {
	if s.close {
		return nil
	}
	s.close = true
	ferr := s.flushHeld()
	if s.gs.n == 0 {
		s.f.Close()
		os.Remove(s.path)
		return fmt.Errorf("close %s: %w", s.path, ErrNoFrames)
	}
	werr := ferr
	if werr == nil {
		werr = s.gs.trailer()
	}
	if werr == nil {
		werr = s.bw.Flush()
	}
	cerr := s.f.Close()
	switch {
	case s.err != nil:
		return s.err
	case werr != nil:
		return fmt.Errorf("close %s: %w", s.path, werr)
	case cerr != nil:
		return fmt.Errorf("close %s: %w", s.path, cerr)
	}
	return nil
}

func (s *GIF) fail(err error) error {
	s.err = fmt.Errorf("write %s: %w", s.path, err)
	return s.err
}
