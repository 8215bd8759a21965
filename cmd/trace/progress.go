package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/shmrun/shmrun/cmd/trace/internal/tty"
)

// Progress bar timing: nothing is drawn for a render shorter than
// barDelay, then the bar is redrawn every barEvery.
const (
	barDelay = time.Second
	barEvery = 200 * time.Millisecond
	barWidth = 24
)

// progress is the bar a long render draws on a terminal's stderr: the
// share of the run's tiles done (each frame weighs the same, however many
// tiles it has), frames shown, the frame rate and the time left. A nil *progress draws nothing; its counting methods are safe
// for concurrent use.
type progress struct {
	w      io.Writer
	cols   func() int
	frames int
	start  time.Time

	done  atomic.Int64 // finished work, in frameUnits per frame
	shown atomic.Int64 // frames shown
	drawn atomic.Bool  // the bar is on screen

	stop     chan struct{}
	finished chan struct{}
}

// frameUnits is one frame's work in progress.done.
const frameUnits = 1 << 20

// startProgress starts the bar for a run of frames frames when stderr is a
// terminal that no live view draws on; otherwise it returns nil.
func startProgress(stderr io.Writer, view string, frames int) *progress {
	f, ok := stderr.(*os.File)
	if !ok || view == "term" || !tty.IsTerminal(f.Fd()) {
		return nil
	}
	cols := func() int { c, _ := tty.SizeOr(f.Fd()); return c }
	return newProgress(f, cols, frames, time.Now())
}

func newProgress(w io.Writer, cols func() int, frames int, start time.Time) *progress {
	p := &progress{w: w, cols: cols, frames: frames, start: start, stop: make(chan struct{}), finished: make(chan struct{})}
	go p.loop()
	return p
}

// tileCounter returns a runtime.MapOptions.Progress callback for one frame.
func (p *progress) tileCounter() func(done, total int) {
	if p == nil {
		return nil
	}
	var last int64
	return func(done, total int) {
		units := int64(done) * frameUnits / int64(max(total, 1))
		p.done.Add(units - last)
		last = units
	}
}

// frameShown counts a frame shown.
func (p *progress) frameShown() {
	if p != nil {
		p.shown.Add(1)
	}
}

func (p *progress) loop() {
	defer close(p.finished)
	tick := time.NewTicker(barEvery)
	defer tick.Stop()
	for {
		select {
		case <-p.stop:
			if p.drawn.Load() {
				fmt.Fprint(p.w, "\r\x1b[K") // leave the line as it was
			}
			return
		case now := <-tick.C:
			if now.Sub(p.start) >= barDelay {
				fmt.Fprint(p.w, p.line(now))
				p.drawn.Store(true)
			}
		}
	}
}

// line renders the bar as of now, to overwrite the current line.
func (p *progress) line(now time.Time) string {
	frac := 0.0
	if p.frames > 0 {
		frac = min(float64(p.done.Load())/(float64(p.frames)*frameUnits), 1)
	}
	el := now.Sub(p.start)
	shown := p.shown.Load()
	text := fmt.Sprintf(" %3.0f%%  frame %d/%d", 100*frac, shown, p.frames)
	if shown > 0 {
		text += fmt.Sprintf("  %.1f fps", float64(shown)/el.Seconds())
	}
	if frac > 0 {
		left := time.Duration(float64(el) * (1 - frac) / frac)
		text += "  " + left.Round(time.Second).String() + " left"
	}
	cols := p.cols()
	if width := min(barWidth, cols-len(text)-3); width > 0 {
		full := int(frac * float64(width))
		text = "[" + strings.Repeat("#", full) + strings.Repeat("-", width-full) + "]" + text
	}
	if len(text) >= cols { // a wrapped line could not be overwritten
		text = text[:max(cols-1, 0)]
	}
	return "\r\x1b[K" + text
}

// close stops the bar and erases it.
func (p *progress) close() {
	if p == nil {
		return
	}
	close(p.stop)
	<-p.finished
}
