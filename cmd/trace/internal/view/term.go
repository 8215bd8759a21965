package view

import (
	"fmt"
	"image"
	"io"
	"os"
	"sync"
	"time"

	"github.com/shmrun/shmrun/cmd/trace/internal/output"
	"github.com/shmrun/shmrun/cmd/trace/internal/tty"
)

// TermOptions configures a [Term]. The zero value is ready to use.
type TermOptions struct {
	// Size reports the terminal size in character cells. The view's drawer
	// goroutine asks it at every drawing, so a resized window is followed.
	// Nil means 80x24.
	Size func() (cols, rows int)
	// Now is the clock that throttles redraws; nil means time.Now.
	Now func() time.Time
	// MaxRate is the most frames drawn per second; 0 means 30, or 1 with
	// Plain.
	MaxRate float64
	// Resized, when not nil, makes the view redraw its newest frame whole,
	// at the size Size then reports, whenever a value arrives: give it the
	// channel of tty.NotifyResize.
	Resized <-chan os.Signal
	// Plain makes the view write no escape code and no picture, only its
	// status line when it changed, one line at a time: for a destination
	// that is not a terminal (a file, a pipe).
	Plain bool
}

// Term is a live preview drawn in a truecolour terminal with upper half
// block characters: a character cell shows two pixels, one above the other,
// and the frame is scaled (down or up, keeping its shape) to the largest
// size the window holds above the status lines: the preview has the
// terminal's real resolution, whatever the frame's. The status lines give
// the frame number, its size and the run's figures (see [Status]), on as
// many lines as the window's width needs.
//
// WriteFrame hands at most MaxRate frames a second to a drawer goroutine,
// as a copy in a reused buffer, and returns without waiting for the
// terminal; the drawer draws the newest frame it has, so a slow terminal
// gets fewer frames and never delays the render loop. A drawing writes only
// what changed on the screen: the lines of cells whose pixels changed and
// the status lines whose text did, nothing at all for an unchanged frame.
// A value on Resized redraws everything at the new size at once. The frame
// shown at the end may be up to one redraw interval older than the last
// frame written.
//
// WriteFrame, SetStatus and Close must be called from one goroutine.
type Term struct {
	w        io.Writer
	plain    bool
	size     func() (cols, rows int)
	now      func() time.Time
	interval time.Duration
	resized  <-chan os.Signal
	release  func() // set by Open: stops the resize notifications
	last     time.Time
	handed   bool // a frame was handed to the drawer
	closed   bool

	latest latest
	sub    chan struct{} // the drawer's wake-up
	quit   chan struct{}
	done   chan struct{}

	mu  sync.Mutex
	err error // first write error, set by the drawer
}

// NewTerm returns a terminal view that writes to w (typically stderr or
// /dev/tty) and starts its drawer goroutine; Close stops it.
func NewTerm(w io.Writer, opt TermOptions) *Term {
	t := &Term{
		w:        w,
		plain:    opt.Plain,
		size:     opt.Size,
		now:      opt.Now,
		interval: time.Second / 30,
		resized:  opt.Resized,
		quit:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	if t.size == nil {
		t.size = func() (int, int) { return tty.FallbackCols, tty.FallbackRows }
	}
	if t.now == nil {
		t.now = time.Now
	}
	switch {
	case opt.MaxRate > 0:
		t.interval = time.Duration(float64(time.Second) / opt.MaxRate)
	case opt.Plain:
		t.interval = time.Second
	}
	t.sub = t.latest.subscribe() // before any frame, so that none is missed
	go t.drawLoop()
	return t
}

// WriteFrame hands a copy of img to the drawer if a redraw is due, and
// returns at once otherwise. It returns an error wrapping output.ErrFrame
// for an unreadable frame, output.ErrClosed after Close, or the terminal's
// first write error (after which the view stops drawing).
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
	if t.handed && now.Sub(t.last) < t.interval {
		return nil
	}
	t.last, t.handed = now, true
	t.latest.publish(img, frame)
	return nil
}

// SetStatus makes st the figures of the status lines, drawn with the next
// frame handed to the drawer.
func (t *Term) SetStatus(st Status) { t.latest.setStatus(st) }

// Close waits for the drawer to draw the newest frame handed to it, then
// resets colours, shows the cursor again and moves below the status lines.
// It returns the first write error, if any. A second Close returns nil.
func (t *Term) Close() error {
	if t.closed {
		return nil
	}
	t.closed = true
	if t.release != nil {
		t.release()
	}
	close(t.quit)
	<-t.done
	return t.writeErr()
}

// drawLoop draws until Close: each frame handed over, and the newest again
// after a resize.
func (t *Term) drawLoop() {
	defer close(t.done)
	defer t.latest.unsubscribe(t.sub)
	var s screen
	for {
		select {
		case <-t.sub:
			t.draw(&s, false)
		case <-t.resized:
			t.draw(&s, true)
		case <-t.quit:
			t.draw(&s, false)
			if !t.plain {
				t.write(s.end())
			}
			return
		}
	}
}

// draw brings the terminal up to date with the newest frame, if there is
// one it has not drawn or when all is set (after a resize).
func (t *Term) draw(s *screen, all bool) {
	frame, seq, ok := t.latest.snapshot(&s.img, s.seen)
	if ok {
		s.seen, s.frame = seq, frame
	}
	if s.seen == 0 || !(ok || all) {
		return
	}
	_, _, _, st := t.latest.info()
	var figures []string
	for _, f := range st.figures(s.frame, s.img.Rect.Dx(), s.img.Rect.Dy()) {
		figures = append(figures, f.Text)
	}
	if t.plain {
		t.write(s.plain(figures))
		return
	}
	cols, rows := t.size()
	t.write(s.ansi(cols, rows, figures, all))
}

// write writes text to the terminal unless it is empty or an earlier
// write failed; the first error is kept for WriteFrame and Close.
func (t *Term) write(text []byte) {
	if len(text) == 0 || t.writeErr() != nil {
		return
	}
	if _, err := t.w.Write(text); err != nil {
		t.mu.Lock()
		t.err = fmt.Errorf("term view: %w", err)
		t.mu.Unlock()
	}
}

func (t *Term) writeErr() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.err
}
