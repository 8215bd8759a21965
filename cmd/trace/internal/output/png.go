package output

import (
	"bufio"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// PNG is a [Sink] that writes each frame to a PNG file.
//
// With frames == 1 every frame goes to the path itself (a later frame
// replaces an earlier one). Otherwise frame n goes to a numbered file: the
// extension is kept and _NNNN is inserted before it, zero-padded to four
// digits or to the width of frames-1 if that is wider, so the files sort in
// frame order: with path "out/trace.png" and frames 12000, frame 7 is
// "out/trace_00007.png". frames == 0 (unknown) numbers with four digits.
//
// Each file is written to "<name>.tmp" and renamed into place, so a viewer
// polling the file never sees half a frame. The encoder, its compression
// buffers and the file buffer are reused from frame to frame.
type PNG struct {
	path   string
	w, h   int
	digits int // 0: single file
	enc    png.Encoder
	bw     *bufio.Writer
	closed bool
}

// NewPNG returns a PNG sink for w x h frames (see [PNG] for naming). A
// sequence uses png.BestSpeed, since it is written in the render loop's time
// budget; a single frame uses the default compression. It fails if the
// first frame's file could not be written (a directory that is not
// writable, a path that is a directory), but creates no file.
func NewPNG(path string, w, h, frames int) (*PNG, error) {
	if err := checkSize(w, h); err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s := &PNG{path: path, w: w, h: h, bw: bufio.NewWriterSize(nil, 64<<10)}
	s.enc.BufferPool = &pngPool{}
	if frames != 1 {
		s.digits = max(4, len(strconv.Itoa(frames-1)))
		s.enc.CompressionLevel = png.BestSpeed
	}
	if err := s.check(s.Name(0)); err != nil {
		return nil, fmt.Errorf("open %s: %w", s.Name(0), err)
	}
	return s, nil
}

// check finds out before the first frame whether WriteFrame can write
// name: that its temporary file can be created, and that name is not a
// directory that the rename would fail on.
func (s *PNG) check(name string) error {
	if fi, err := os.Stat(name); err == nil && fi.IsDir() {
		return errors.New("is a directory")
	}
	return unwrapPath(CheckWritable(name + ".tmp"))
}

// Name returns the file that frame is written to.
func (s *PNG) Name(frame int) string {
	if s.digits == 0 {
		return s.path
	}
	ext := filepath.Ext(s.path)
	base := strings.TrimSuffix(s.path, ext)
	return fmt.Sprintf("%s_%0*d%s", base, s.digits, frame, ext)
}

// WriteFrame encodes img into the file for frame before returning. Errors
// name the file and wrap the cause; a partial file is removed.
func (s *PNG) WriteFrame(img *image.RGBA, frame int) error {
	name := s.Name(frame)
	if s.closed {
		return fmt.Errorf("write %s: %w", name, ErrClosed)
	}
	if frame < 0 {
		return fmt.Errorf("write %s: %w: negative frame number %d", name, ErrFrame, frame)
	}
	if err := checkFrame(img, s.w, s.h); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := s.writeFile(name, img); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// writeFile encodes img to name via a temporary file and a rename.
func (s *PNG) writeFile(name string, img *image.RGBA) error {
	tmp := name + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	s.bw.Reset(f)
	err = s.enc.Encode(s.bw, img)
	if err == nil {
		err = s.bw.Flush()
	}
	s.bw.Reset(nil) // drop the file reference
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, name)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// Close marks the sink closed. Every file is already complete, so it never
// fails.
func (s *PNG) Close() error {
	s.closed = true
	return nil
}

// pngPool keeps one png.EncoderBuffer, which holds the encoder's zlib writer
// and row buffers, across frames. A sink is used by one goroutine, so a single
// slot suffices.
type pngPool struct{ b *png.EncoderBuffer }

func (p *pngPool) Get() *png.EncoderBuffer  { b := p.b; p.b = nil; return b }
func (p *pngPool) Put(b *png.EncoderBuffer) { p.b = b }
