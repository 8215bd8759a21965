package view

import (
	"context"
	"errors"
	"fmt"
	"image"
	"net"
	"net/http"
	"time"

	"github.com/shmrun/shmrun/cmd/trace/internal/output"
)

// HTTP is a live view for browsers. Its handler serves
//
//	/           a page showing the run's figures (see [Status]), updated
//	            four times a second, and the stream; once the render is
//	            over (Status.Done), the last frame as a PNG
//	/stream     the frames as MJPEG (multipart/x-mixed-replace of JPEGs)
//	/frame.png  the newest frame as a PNG
//	/status     the newest frame's number and size and the figures as JSON:
//	            {"frame": N, "width": W, "height": H, the fields of Status,
//	            "figures": [{"key": K, "text": T}, ...], "state": S}; frame
//	            is -1 before the first frame
//
// The view serves until Close, so it can keep showing the last frame after
// the render ends.
//
// WriteFrame copies the frame into a reused buffer and returns; it never
// waits for a client. Each /stream connection has its own goroutine (the
// net/http handler) that, whenever a newer frame exists, copies it, encodes
// it as JPEG and sends it; frames published meanwhile are skipped, so a slow
// client gets fewer frames and never delays the render loop or other clients.
//
// WriteFrame, SetStatus and Close must be called from one goroutine; the
// handler may serve any number of clients concurrently.
type HTTP struct {
	latest latest
	quit   chan struct{} // closed by Close: streams end
	mux    *http.ServeMux
	closed bool

	srv      *http.Server // set by ListenHTTP
	ln       net.Listener
	serveErr chan error
}

// NewHTTP returns an HTTP view that is not listening: serve its Handler
// with a server of your own (httptest in tests). Close makes its stream
// handlers return; the server remains the caller's to close.
func NewHTTP() *HTTP {
	v := &HTTP{quit: make(chan struct{}), mux: http.NewServeMux()}
	v.mux.HandleFunc("GET /{$}", v.servePage)
	v.mux.HandleFunc("GET /stream", v.serveStream)
	v.mux.HandleFunc("GET /frame.png", v.servePNG)
	v.mux.HandleFunc("GET /status", v.serveStatus)
	return v
}

// ListenHTTP listens on addr (host:port; port 0 picks a free one) and
// serves the view there until Close. A listen error is returned at once.
func ListenHTTP(addr string) (*HTTP, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("http view: %w", err)
	}
	v := NewHTTP()
	v.ln = ln
	v.srv = &http.Server{Handler: v.mux, ReadHeaderTimeout: 5 * time.Second}
	v.serveErr = make(chan error, 1)
	go func() { v.serveErr <- v.srv.Serve(ln) }()
	return v, nil
}

// Handler returns the view's HTTP handler; it is safe for concurrent use.
func (v *HTTP) Handler() http.Handler { return v.mux }

// Addr returns the address ListenHTTP listens on, or nil for NewHTTP.
func (v *HTTP) Addr() net.Addr {
	if v.ln == nil {
		return nil
	}
	return v.ln.Addr()
}

// URL returns the page's address, such as "http://127.0.0.1:8080/", or ""
// for NewHTTP. A view listening on every address (":8080", "0.0.0.0:8080",
// "[::]:8080") gives a link a browser on this machine can open:
// "http://localhost:8080/".
func (v *HTTP) URL() string {
	if v.ln == nil {
		return ""
	}
	return httpURL(v.ln.Addr())
}

// httpURL returns the page's link for a listener's address.
func httpURL(a net.Addr) string {
	if t, ok := a.(*net.TCPAddr); ok && (t.IP == nil || t.IP.IsUnspecified()) {
		return fmt.Sprintf("http://localhost:%d/", t.Port)
	}
	return "http://" + a.String() + "/"
}

// WriteFrame makes a copy of img the newest frame and wakes the clients.
// It returns an error wrapping output.ErrFrame for an unreadable frame, or
// output.ErrClosed after Close.
func (v *HTTP) WriteFrame(img *image.RGBA, frame int) error {
	if v.closed {
		return fmt.Errorf("http view: %w", output.ErrClosed)
	}
	if err := output.CheckFrame(img); err != nil {
		return fmt.Errorf("http view: frame %d: %w", frame, err)
	}
	v.latest.publish(img, frame)
	return nil
}

// SetStatus makes st the figures that /status and the page report from now
// on.
func (v *HTTP) SetStatus(st Status) { v.latest.setStatus(st) }

// shutdownGrace bounds how long Close waits for handlers to finish.
const shutdownGrace = 2 * time.Second

// Close ends every stream and, for ListenHTTP, shuts the server down,
// waiting up to two seconds for handlers before closing connections. It
// returns the server's error, if it failed. A second Close returns nil.
func (v *HTTP) Close() error {
	if v.closed {
		return nil
	}
	v.closed = true
	close(v.quit)
	if v.srv == nil {
		return nil // the caller's server owns the connections
	}
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	err := v.srv.Shutdown(ctx)
	if err != nil {
		err = errors.Join(err, v.srv.Close())
	}
	if serr := <-v.serveErr; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	if err != nil {
		return fmt.Errorf("http view: close: %w", err)
	}
	return nil
}
