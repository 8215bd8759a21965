package view

import (
	"bytes"
	"encoding/json"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strconv"
)

// jpegQuality trades bandwidth for fidelity in the MJPEG stream.
const jpegQuality = 80

// boundary separates the parts of the MJPEG stream.
const boundary = "frame"

// serveStream sends the newest frame as a JPEG part whenever there is one
// newer than the last sent, until the client goes away or the view closes.
func (v *HTTP) serveStream(w http.ResponseWriter, r *http.Request) {
	sub := v.latest.subscribe()
	defer v.latest.unsubscribe(sub)

	w.Header().Set("Content-Type", "multipart/x-mixed-replace; boundary="+boundary)
	w.Header().Set("Cache-Control", "no-store")
	mw := multipart.NewWriter(w)
	if err := mw.SetBoundary(boundary); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	rc := http.NewResponseController(w)
	// Send the headers now: a client connecting before the first frame
	// (or between frames) must not wait for one to learn it is connected.
	w.WriteHeader(http.StatusOK)
	if rc.Flush() != nil {
		return
	}
	part := stream{
		mw:  mw,
		hdr: textproto.MIMEHeader{"Content-Type": {"image/jpeg"}},
		opt: jpeg.Options{Quality: jpegQuality},
	}
	var seen uint64
	for {
		frame, seq, ok := v.latest.snapshot(&part.img, seen)
		if ok {
			seen = seq
			if part.send(frame) != nil || rc.Flush() != nil {
				return // the client went away
			}
		}
		select {
		case <-sub:
		case <-r.Context().Done():
			return
		case <-v.quit:
			return
		}
	}
}

// stream holds one client's reused buffers: its copy of the frame and the
// encoded JPEG.
type stream struct {
	mw  *multipart.Writer
	hdr textproto.MIMEHeader
	opt jpeg.Options
	img image.RGBA
	jpg bytes.Buffer
}

// send encodes the frame copy and writes it as the next part.
func (s *stream) send(frame int) error {
	s.jpg.Reset()
	if err := jpeg.Encode(&s.jpg, &s.img, &s.opt); err != nil {
		return err
	}
	s.hdr.Set("Content-Length", strconv.Itoa(s.jpg.Len()))
	s.hdr.Set("X-Frame", strconv.Itoa(frame))
	pw, err := s.mw.CreatePart(s.hdr)
	if err != nil {
		return err
	}
	_, err = pw.Write(s.jpg.Bytes())
	return err
}

// servePNG sends the newest frame as a PNG, or 503 before the first frame.
func (v *HTTP) servePNG(w http.ResponseWriter, r *http.Request) {
	var img image.RGBA
	frame, _, ok := v.latest.snapshot(&img, 0)
	if !ok {
		http.Error(w, "no frame yet", http.StatusServiceUnavailable)
		return
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, &img); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Frame", strconv.Itoa(frame))
	w.Write(buf.Bytes())
}

// serveStatus reports the newest frame number and size as JSON.
func (v *HTTP) serveStatus(w http.ResponseWriter, r *http.Request) {
	frame, fw, fh := v.latest.status()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(struct {
		Frame  int `json:"frame"`
		Width  int `json:"width"`
		Height int `json:"height"`
	}{frame, fw, fh})
}

// servePage sends the viewer page.
func (v *HTTP) servePage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	io.WriteString(w, page)
}

// page shows the MJPEG stream and polls /status for the frame number.
const page = `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>trace</title>
<style>
body { background: #111; color: #ccc; font: 14px monospace; margin: 1em; }
img { max-width: 100%; display: block; margin-top: .5em; }
</style>
<div>frame <span id="frame">-</span> <span id="size"></span></div>
<img src="/stream" alt="live render">
<script>
setInterval(async () => {
  try {
    const s = await (await fetch("/status", {cache: "no-store"})).json();
    document.getElementById("frame").textContent = s.frame < 0 ? "-" : s.frame;
    document.getElementById("size").textContent = s.width ? s.width + "x" + s.height : "";
  } catch (e) {}
}, 250);
</script>
</html>
`
