package view

import (
	"fmt"
	"image"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/shmrun/shmrun/cmd/trace/internal/output"
	"github.com/shmrun/shmrun/cmd/trace/internal/tty"
)

// TermOptions configures a [Term]. The zero value is ready to use.
type TermOptions struct {
	// Size reports the terminal size in character cells. It is asked at
	// every redraw, so a resized window is followed. Nil means 80x24.
	Size func() (cols, rows int)
	// Now is the clock that throttles redraws; nil means time.Now.
	Now func() time.Time
	// MaxRate is the most redraws per second; 0 means 30.
	MaxRate float64
}

// Term is a live preview drawn in a truecolour terminal with upper half
// block characters, scaled down to fit, redrawn in place (cursor home) at
// most MaxRate times a second, with a status line giving the frame number.
//
// WriteFrame scales the frame into a small preview during the call, then
// hands the text to a writer goroutine and returns without waiting for the
// terminal. Two text buffers are reused: while one is being written and the
// other waits, further redraws are dropped (counted by [Term.Dropped]). As
// a consequence the frame shown at the end may be up to one redraw interval
// older than the last frame written.
//
// WriteFrame, Dropped and Close must be called from one goroutine.
type Term struct {
	w        io.Writer
	size     func() (cols, rows int)
	now      func() time.Time
	interval time.Duration
	last     time.Time // time of the last redraw slot
	drawn    bool      // something has been drawn (cursor hidden)
	dropped  int
	preview  cells
	closed   bool

	free chan []byte // text buffers ready to fill
	full chan []byte // text buffers ready to write
	done chan struct{}

	mu  sync.Mutex
	err error // first write error, set by the writer goroutine
}

// NewTerm returns a terminal view that writes to w (typically stderr or
// /dev/tty) and starts its writer goroutine; Close stops it.
func NewTerm(w io.Writer, opt TermOptions) *Term {
	t := &Term{
		w:        w,
		size:     opt.Size,
		now:      opt.Now,
		interval: time.Second / 30,
		free:     make(chan []byte, 2),
		full:     make(chan []byte, 2),
		done:     make(chan struct{}),
	}
	if t.size == nil {
		t.size = func() (int, int) { return tty.FallbackCols, tty.FallbackRows }
	}
	if t.now == nil {
		t.now = time.Now
	}
	if opt.MaxRate > 0 {
		t.interval = time.Duration(float64(time.Second) / opt.MaxRate)
	}
	t.free <- make([]byte, 0, 64<<10)
	t.free <- make([]byte, 0, 64<<10)
	go t.writeLoop()
	return t
}

// WriteFrame redraws the preview from img if a redraw is due, and returns
// at once otherwise. It returns an error wrapping output.ErrFrame for an
// unreadable frame, output.ErrClosed after Close, or the terminal's first
// write error (after which the view stops drawing).
func (t *Term) WriteFrame(img *image.RGBA, frame int) error {
	if t.closed {
		return fmt.Errorf("term view: %w", output.ErrClosed)
	}
	if err := t.writeErr(); err != nil {
		return err
	}
	if err := output.CheckFrame(img); err != nil {
		return fmt.Errorf("term view: frame %d: %w", frame, err)
	}
	now := t.now()
	if t.drawn && now.Sub(t.last) < t.interval {
		return nil
	}
	t.last = now
	var buf []byte
	select {
	case buf = <-t.free:
	default:
		t.dropped++ // the terminal is still busy with earlier redraws
		return nil
	}
	t.full <- t.render(buf[:0], img, frame)
	return nil
}

// render builds the text of one redraw.
func (t *Term) render(buf []byte, img *image.RGBA, frame int) []byte {
	if !t.drawn {
		buf = append(buf, escHideCursor+escClear...)
		t.drawn = true
	}
	cols, rows := t.size()
	w, h := img.Rect.Dx(), img.Rect.Dy()
	tw, th := fit(w, h, cols, rows)
	t.preview.scale(img, tw, th)
	buf = append(buf, escHome...)
	buf = t.preview.appendANSI(buf)
	buf = append(buf, "frame "...)
	buf = strconv.AppendInt(buf, int64(frame), 10)
	buf = append(buf, "  "...)
	buf = strconv.AppendInt(buf, int64(w), 10)
	buf = append(buf, 'x')
	buf = strconv.AppendInt(buf, int64(h), 10)
	return append(buf, escClearLine+escClearBelow...)
}

// Dropped returns how many due redraws were skipped because the terminal
// had not yet consumed the previous ones.
func (t *Term) Dropped() int { return t.dropped }

// Close waits for pending redraws to be written, then resets colours, shows
// the cursor again and moves below the preview. It returns the first write
// error, if any. A second Close returns nil.
func (t *Term) Close() error {
	if t.closed {
		return nil
	}
	t.closed = true
	close(t.full)
	<-t.done
	if err := t.writeErr(); err != nil {
		return err
	}
	if t.drawn {
		if _, err := io.WriteString(t.w, escReset+"\r\n"+escShowCursor); err != nil {
			return fmt.Errorf("term view: %w", err)
		}
	}
	return nil
}

// writeLoop writes redraws in order until Close. After a write error it
// only recycles buffers, so WriteFrame never blocks.
func (t *Term) writeLoop() {
	defer close(t.done)
	for buf := range t.full {
		if t.writeErr() == nil {
			if _, err := t.w.Write(buf); err != nil {
				t.mu.Lock()
				t.err = fmt.Errorf("term view: %w", err)
				t.mu.Unlock()
			}
		}
		t.free <- buf
	}
}

func (t *Term) writeErr() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.err
}
