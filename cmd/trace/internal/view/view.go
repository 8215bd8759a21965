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

// Open starts the view named by a -view flag value:
//
//	"" or "none"   no view: output.Discard
//	"term"         a [Term] preview on term, sized from term's window
//	"http=ADDR"    an [HTTP] view listening on ADDR (e.g. ":8080");
//	"http"         the same on DefaultHTTPAddr
//
// term is the terminal to draw on, usually os.Stderr; it is used only by
// "term". Errors wrap [ErrSpec] or the listener's error.
func Open(spec string, term *os.File) (output.Sink, error) {
	name, addr, hasAddr := strings.Cut(spec, "=")
	switch {
	case spec == "" || spec == "none":
		return output.Discard(), nil
	case spec == "term":
		size := func() (int, int) { return tty.SizeOr(term.Fd()) }
		return NewTerm(term, TermOptions{Size: size}), nil
	case spec == "http":
		return ListenHTTP(DefaultHTTPAddr)
	case name == "http" && hasAddr && addr != "":
		return ListenHTTP(addr)
	default:
		return nil, fmt.Errorf("-view %q: %w (want none, term or http=ADDR)", spec, ErrSpec)
	}
}
