package view

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"strconv"
	"time"
)

// jpegQuality trades bandwidth for fidelity in the MJPEG stream.
const jpegQuality = 80

// boundary separates the parts of the MJPEG stream.
const boundary = "frame"

// repeatAfter is how long the stream waits for a frame newer than the one
// it sent before it sends that one again. Chromium shows a part only once
// the next one begins, even when the part's end came long before, so a
// frame that stays the newest (the last of a render, or a slow render's)
// would otherwise never be shown.
const repeatAfter = 250 * time.Millisecond

// serveStream sends the newest frame as a JPEG part whenever there is one
// newer than the last sent, until the client goes away or the view closes.
//
// Each part is followed at once by the boundary that ends it, rather than
// the boundary being sent with the next part as mime/multipart does, and a
// frame that stays the newest for repeatAfter is sent once more: browsers
// show a part only once they have seen its end (Firefox) or the next part
// (Chromium).
func (v *HTTP) serveStream(w http.ResponseWriter, r *http.Request) {
	sub := v.latest.subscribe()
	defer v.latest.unsubscribe(sub)

	w.Header().Set("Content-Type", "multipart/x-mixed-replace; boundary="+boundary)
	w.Header().Set("Cache-Control", "no-store")
	rc := http.NewResponseController(w)
	// Send the headers now: a client connecting before the first frame
	// (or between frames) must not wait for one to learn it is connected.
	w.WriteHeader(http.StatusOK)
	if _, err := io.WriteString(w, "--"+boundary+"\r\n"); err != nil || rc.Flush() != nil {
		return
	}
	part := stream{opt: jpeg.Options{Quality: jpegQuality}}
	var seen uint64
	var sent int               // the number of the frame in part.img
	var again <-chan time.Time // fires once after a frame, to send it again
	for {
		if frame, seq, ok := v.latest.snapshot(&part.img, seen); ok {
			seen, sent = seq, frame
			if part.send(w, sent) != nil || rc.Flush() != nil {
				return // the client went away
			}
			again = time.After(repeatAfter)
		}
		select {
		case <-sub:
		case <-again:
			again = nil
			if part.send(w, sent) != nil || rc.Flush() != nil {
				return
			}
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
	opt jpeg.Options
	img image.RGBA
	jpg bytes.Buffer
}

// send encodes the frame copy and writes it to w as the next part, with the
// boundary that ends it.
func (s *stream) send(w io.Writer, frame int) error {
	s.jpg.Reset()
	if err := jpeg.Encode(&s.jpg, &s.img, &s.opt); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "Content-Type: image/jpeg\r\nContent-Length: %d\r\nX-Frame: %d\r\n\r\n", s.jpg.Len(), frame)
	if err == nil {
		_, err = w.Write(s.jpg.Bytes())
	}
	if err == nil {
		_, err = io.WriteString(w, "\r\n--"+boundary+"\r\n")
	}
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

// statusJSON is what /status reports: the newest frame's number (-1 before
// the first) and size, the run's figures as numbers (Status) and as the
// texts the page shows, and the state of the render.
type statusJSON struct {
	Frame  int `json:"frame"`
	Width  int `json:"width"`
	Height int `json:"height"`
	Status
	Figures []figure `json:"figures"`
	State   string   `json:"state"`
}

func (v *HTTP) status() statusJSON {
	frame, w, h, st := v.latest.info()
	return statusJSON{Frame: frame, Width: w, Height: h, Status: st, Figures: st.figures(frame, w, h), State: st.state()}
}

// serveStatus reports the newest frame and figures as JSON.
func (v *HTTP) serveStatus(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(v.status())
}

// servePage sends the viewer page, with the figures as they are now.
func (v *HTTP) servePage(w http.ResponseWriter, r *http.Request) {
	st := v.status()
	src := "/stream"
	if st.Done && st.Frame >= 0 {
		src = "/frame.png?frame=" + strconv.Itoa(st.Frame)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	page.Execute(w, struct {
		statusJSON
		Src string
	}{st, src})
}

// page shows the figures and the MJPEG stream, then, once the render is
// over, the last frame as a PNG (lossless, and one request that ends). It
// polls /status four times a second for the figures; when that fails, the
// server has stopped and the page keeps the last frame it got.
var page = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>trace</title>
<style>
body { background: #111; color: #ccc; font: 14px monospace; margin: 1em; }
#figures { display: flex; flex-wrap: wrap; gap: .2em 1.5em; }
#figures span { white-space: nowrap; }
#state { color: #888; margin-top: .3em; }
img { max-width: 100%; display: block; margin-top: .5em; }
</style>
<div id="figures">{{range .Figures}}<span id="{{.Key}}">{{.Text}}</span>{{end}}</div>
<div id="state">{{.State}}</div>
<img id="picture" src="{{.Src}}" alt="live render">
<script>
const picture = document.getElementById("picture");
async function poll() {
  try {
    const s = await (await fetch("/status", {cache: "no-store"})).json();
    document.getElementById("figures").replaceChildren(...s.figures.map(f => {
      const e = document.createElement("span");
      e.id = f.key;
      e.textContent = f.text;
      return e;
    }));
    document.getElementById("state").textContent = s.state;
    if (s.done && s.frame >= 0 && !picture.src.includes("/frame.png")) {
      picture.src = "/frame.png?frame=" + s.frame;
    }
    document.body.dataset.polled = s.frame;
  } catch (e) {
    document.getElementById("state").textContent = "the server has stopped: this is the last frame it sent";
  }
}
poll();
setInterval(poll, 250);
</script>
</html>
`))
