package view

import (
	"image"
	"sync"
)

// latest holds a copy of the newest frame and the run's newest figures for
// a view's readers (the HTTP view's clients, the terminal view's drawer), in
// a buffer reused from frame to frame, and wakes readers waiting for a new
// frame. The mutex is held only to copy pixels, never while encoding or
// sending, so the render loop waits at most for one frame-sized copy.
type latest struct {
	mu     sync.Mutex
	img    image.RGBA // Pix reused; empty until the first frame
	frame  int
	seq    uint64 // 0 until the first frame, then +1 per frame
	status Status
	subs   map[chan struct{}]struct{}
}

// setStatus makes st the newest figures. It wakes nobody: the figures go out
// with the next frame, or with the next /status.
func (l *latest) setStatus(st Status) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.status = st
}

// publish copies img (which output.CheckFrame has accepted) and notifies
// the subscribers. It allocates only when the frame size changes.
func (l *latest) publish(img *image.RGBA, frame int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	copyRGBA(&l.img, img)
	l.frame = frame
	l.seq++
	for ch := range l.subs {
		select {
		case ch <- struct{}{}:
		default: // already notified; the client will take the newest frame
		}
	}
}

// snapshot copies the newest frame into dst if it is newer than seen, and
// returns its frame number and sequence number.
func (l *latest) snapshot(dst *image.RGBA, seen uint64) (frame int, seq uint64, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.seq == seen {
		return 0, seen, false
	}
	copyRGBA(dst, &l.img)
	return l.frame, l.seq, true
}

// info returns the newest frame's number and size, -1, 0 and 0 before the
// first frame, and the newest figures.
func (l *latest) info() (frame, w, h int, st Status) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.seq == 0 {
		return -1, 0, 0, l.status
	}
	return l.frame, l.img.Rect.Dx(), l.img.Rect.Dy(), l.status
}

// subscribe returns a channel that receives a value whenever a frame is
// published (at most one pending).
func (l *latest) subscribe() chan struct{} {
	ch := make(chan struct{}, 1)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.subs == nil {
		l.subs = make(map[chan struct{}]struct{})
	}
	l.subs[ch] = struct{}{}
	return ch
}

func (l *latest) unsubscribe(ch chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.subs, ch)
}

// copyRGBA makes dst a packed copy of src with bounds at the origin,
// reusing dst.Pix when it is large enough.
func copyRGBA(dst, src *image.RGBA) {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	if n := 4 * w * h; cap(dst.Pix) < n {
		dst.Pix = make([]byte, n)
	} else {
		dst.Pix = dst.Pix[:n]
	}
	dst.Rect, dst.Stride = image.Rect(0, 0, w, h), 4*w
	for y := range h {
		off := src.PixOffset(src.Rect.Min.X, src.Rect.Min.Y+y)
		copy(dst.Pix[y*4*w:(y+1)*4*w], src.Pix[off:off+4*w])
	}
}
