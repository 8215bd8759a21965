package view

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/shmrun/shmrun/cmd/trace/internal/output"
	"github.com/shmrun/shmrun/cmd/trace/internal/tty"
)

// ErrSpec is returned by Open for a -view value it does not understand.
var ErrSpec = errors.New("unknown view")

// DefaultHTTPAddr is where "-view http" (without an address) listens.
const DefaultHTTPAddr = "localhost:8080"

// View is a live preview: a sink for the frames that also shows the run's
// figures. SetStatus is called from the goroutine that calls WriteFrame,
// usually just before it, and never blocks; the figures are shown with the
// frames from then on.
type View interface {
	output.Sink
	SetStatus(Status)
}

// Open starts the view named by a -view flag value:
//
//	"" or "none"   no view: it discards frames and figures
//	"term"         a [Term] preview on term, sized from term's window and
//	               redrawn when the window changes size (SIGWINCH); when
//	               term is not a terminal, plain status lines instead
//	"http=ADDR"    an [HTTP] view listening on ADDR (e.g. ":8080");
//	"http"         the same on DefaultHTTPAddr
//
// term is the terminal to draw on, usually os.Stderr; it is used only by
// "term". Errors wrap [ErrSpec] or the listener's error.
func Open(spec string, term *os.File) (View, error) {
	name, addr, hasAddr := strings.Cut(spec, "=")
	switch {
	case spec == "" || spec == "none":
		return none{output.Discard()}, nil
	case spec == "term":
		return openTerm(term), nil
	case spec == "http":
		return ListenHTTP(DefaultHTTPAddr)
	case name == "http" && hasAddr && addr != "":
		return ListenHTTP(addr)
	default:
		return nil, fmt.Errorf("-view %q: %w (want none, term or http=ADDR)", spec, ErrSpec)
	}
}

// openTerm returns a Term on f that follows f's window size, or that writes
// plain lines if f is not a terminal.
func openTerm(f *os.File) *Term {
	if !tty.IsTerminal(f.Fd()) {
		return NewTerm(f, TermOptions{Plain: true})
	}
	resized := make(chan os.Signal, 1)
	stop := tty.NotifyResize(resized)
	t := NewTerm(f, TermOptions{Size: func() (int, int) { return tty.SizeOr(f.Fd()) }, Resized: resized})
	t.release = stop
	return t
}

// none is the view of "-view none".
type none struct{ output.Sink }

func (none) SetStatus(Status) {}
