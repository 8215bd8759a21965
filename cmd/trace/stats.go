package main

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/shmrun/shmrun/cmd/trace/internal/output"
	"github.com/shmrun/shmrun/cmd/trace/internal/render"
)

// runStats is what a run measures of its frames, recorded by the presenter
// as it shows them (one goroutine, in frame order) and read once the run is
// over. It keeps two numbers per frame, so its memory grows with the frame
// count (16 bytes a frame), which the -frames limit bounds.
type runStats struct {
	start     time.Time
	latency   []float64 // ms from each frame's release to its last tile
	interval  []float64 // ms between consecutive frames shown
	first     time.Time // when the first frame was shown
	last      time.Time // when the last frame was shown
	rays      uint64
	busy      time.Duration // the workers' time in the tile kernel
	qualities map[render.Quality]int
	misses    int
	// the frames' TracedShare, summed in millionths, and the frames
	// summed: atomic, so that TracedShare may be read while frames show
	traced, tracedFrames atomic.Int64
}

func newRunStats(start time.Time) *runStats {
	return &runStats{start: start, qualities: map[render.Quality]int{}}
}

// shown records frame f, shown at t.
func (st *runStats) shown(f *frame, t time.Time) {
	if len(st.latency) > 0 {
		st.interval = append(st.interval, ms(t.Sub(st.last)))
	} else {
		st.first = t
	}
	st.last = t
	st.latency = append(st.latency, ms(f.done.Sub(f.start)))
	st.qualities[f.q]++
	st.traced.Add(int64(math.Round(f.TracedShare * 1e6)))
	st.tracedFrames.Add(1)
	for _, r := range f.results {
		st.rays += r.Rays
		st.busy += time.Duration(r.Nanos)
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// fps is the rate frames were shown at: (frames-1) intervals over the time
// from the first frame shown to the last, or for one frame the inverse of
// the whole run.
func (st *runStats) fps() float64 {
	n := len(st.latency)
	if span := st.last.Sub(st.first).Seconds(); n > 1 && span > 0 {
		return float64(n-1) / span
	}
	if el := st.last.Sub(st.start).Seconds(); n == 1 && el > 0 {
		return 1 / el
	}
	return 0
}

// TracedShare returns the mean share of the output pixels traced fresh
// in their frame, over the frames shown so far (0 for none): see
// frame.TracedShare. It is safe to call while the presenter shows frames.
func (st *runStats) TracedShare() float64 {
	n := st.tracedFrames.Load()
	if n == 0 {
		return 0
	}
	return float64(st.traced.Load()) / 1e6 / float64(n)
}

// percentile returns the nearest-rank p-th percentile (0 < p <= 100) of xs,
// or 0 for none.
func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// qualityJSON is a render.Quality as the stats file spells it.
type qualityJSON struct {
	Integrator string `json:"integrator"`
	SPP        int    `json:"spp"`
	MaxDepth   int    `json:"max_depth"`
	PixelStep  int    `json:"pixel_step"`
	Pattern    string `json:"pattern,omitempty"` // omitted: all
	Bilinear   bool   `json:"bilinear,omitempty"`
	Frames     int    `json:"frames"`
}

// qualitiesUsed lists the qualities frames were rendered at, the most used
// first (ties: the better quality first).
func (st *runStats) qualitiesUsed() []qualityJSON {
	var qs []qualityJSON
	for q, n := range st.qualities {
		j := qualityJSON{q.Integrator.String(), q.SPP, q.MaxDepth, q.PixelStep, "", q.Bilinear, n}
		if q.Pattern != render.PatternAll {
			j.Pattern = q.Pattern.String()
		}
		qs = append(qs, j)
	}
	slices.SortFunc(qs, func(a, b qualityJSON) int {
		return cmp.Or(b.Frames-a.Frames, b.SPP-a.SPP, a.PixelStep-b.PixelStep, strings.Compare(a.Pattern, b.Pattern))
	})
	return qs
}

// keys returns the stats as the -stats file's JSON object. The keys the
// issue names are frames, fps, frame_ms_p50, frame_ms_p99, deadline_misses,
// rays_per_sec, workers, mode and quality (the quality most frames used);
// the rest say more about the same run.
func (st *runStats) keys() map[string]any {
	elapsed := st.last.Sub(st.start).Seconds()
	qs := st.qualitiesUsed()
	m := map[string]any{
		"frames":          len(st.latency),
		"fps":             st.fps(),
		"frame_ms_p50":    percentile(st.latency, 50),
		"frame_ms_p99":    percentile(st.latency, 99),
		"interval_ms_p50": percentile(st.interval, 50),
		"interval_ms_p99": percentile(st.interval, 99),
		"deadline_misses": st.misses,
		"rays":            st.rays,
		"rays_per_sec":    0.0,
		"worker_busy_s":   st.busy.Seconds(),
		"traced_share":    st.TracedShare(),
		"elapsed_s":       elapsed,
		"qualities":       qs,
	}
	if elapsed > 0 {
		m["rays_per_sec"] = float64(st.rays) / elapsed
	}
	if len(qs) > 0 {
		m["quality"] = qs[0]
	}
	return m
}

// writeStats writes keys as an indented JSON object to f, the -stats
// file opened before the run.
func writeStats(f *laterFile, keys map[string]any) error {
	b, err := json.MarshalIndent(keys, "", "  ")
	if err != nil {
		f.abandon()
		return fmt.Errorf("stats: %w", err)
	}
	if err := f.replace(append(b, '\n')); err != nil {
		return fmt.Errorf("stats: %w", err)
	}
	return nil
}

// statsKeys returns the -stats object of the latest run: its measurements,
// the session's settings and the pool's counters, and whatever keys the
// functions in s.moreStats add.
func (s *session) statsKeys() map[string]any {
	m := s.last.stats.keys()
	ps := s.pool.Stats()
	m["workers"] = s.cfg.workers
	m["mode"] = s.cfg.mode.String()
	m["scene"] = s.cfg.scene
	m["width"], m["height"] = s.cfg.w, s.cfg.h
	m["target_fps"] = s.cfg.fps
	if p := s.last.psnr; p != nil {
		p.keys(m)
	}
	m["fill"] = s.cfg.fill
	m["worker_crashes"] = ps.Crashes
	m["tasks_rerun"] = ps.Redispatched
	for _, add := range s.moreStats {
		add(m)
	}
	return m
}

// report is what a run tells its user at the end: a summary line and the
// -stats file.
type report struct {
	summary string
	stats   *laterFile     // nil: no -stats file
	keys    map[string]any // the -stats object
}

// report gathers the latest run's report; runErr is nil or the
// interruption that ended it.
func (s *session) report(runErr error) *report {
	st := s.last.stats
	r := &report{stats: s.statsFile}
	r.summary = st.summary(s.cfg.fps, s.cfg.frames) + "; " + s.wrote(len(st.latency))
	if p := s.last.psnr; p != nil {
		r.summary += "; " + p.summary()
	}
	if in, ok := errors.AsType[*interrupted](runErr); ok {
		r.summary = fmt.Sprintf("%v: %s", in, r.summary)
	}
	if r.stats != nil {
		r.keys = s.statsKeys()
		r.keys["frames_planned"] = s.cfg.frames
		r.keys["interrupted"] = runErr != nil
	}
	return r
}

// write prints the summary on stderr, unless quiet, and writes the -stats
// file.
func (r *report) write(stderr io.Writer, quiet bool) error {
	if !quiet {
		fmt.Fprintln(stderr, "trace:", r.summary)
	}
	if r.stats == nil {
		return nil
	}
	return writeStats(r.stats, r.keys)
}

// wrote says where the first n frames went.
func (s *session) wrote(n int) string {
	switch out := s.out.(type) {
	case nil:
	case *output.PNG:
		switch {
		case n == 0:
			return "no frame written"
		case n == 1 || out.Name(0) == out.Name(n-1):
			return "wrote " + out.Name(0)
		default:
			return fmt.Sprintf("wrote %s to %s", out.Name(0), out.Name(n-1))
		}
	}
	switch {
	case s.cfg.out == "" || s.cfg.out == "none":
		return "no file written (-o none)"
	case s.cfg.out == "-":
		return "Y4M video on stdout"
	case n == 0:
		return "no frame written"
	}
	return "wrote " + s.cfg.out
}

// rate formats a rate with at least three significant digits (two
// decimals below 10, one below 100, none from 100 on) and never in
// exponent form: 1767, not 1.77e+03 as %.3g wrote it.
func rate(x float64) string {
	switch {
	case x >= 100:
		return fmt.Sprintf("%.0f", x)
	case x >= 10:
		return fmt.Sprintf("%.1f", x)
	}
	return fmt.Sprintf("%.2f", x)
}

// summary says in one line how a run of planned frames went: frames
// shown, time and rate (frames over time; for a paced run, target fps >
// 0, the rate they were shown at, as -stats's fps, and the deadlines
// missed), the frame times and every quality used.
func (st *runStats) summary(target float64, planned int) string {
	var b strings.Builder
	n := len(st.latency)
	if n == planned {
		b.WriteString(plural(n, "frame"))
	} else {
		fmt.Fprintf(&b, "%d of %s", n, plural(planned, "frame"))
	}
	if n == 0 {
		return b.String()
	}
	el := st.last.Sub(st.start).Seconds()
	switch {
	case target > 0: // the rate frames were shown at, against the target
		fmt.Fprintf(&b, " in %.2f s at %.1f fps (target %g), %s", el, st.fps(), target, plural(st.misses, "deadline miss"))
	case n == 1: // a still: its time says it all
		fmt.Fprintf(&b, " in %.2f s", el)
	default: // as fast as it could: frames over time
		fmt.Fprintf(&b, " in %.2f s (%s fps)", el, rate(float64(n)/max(el, 1e-9)))
	}
	if n > 1 {
		fmt.Fprintf(&b, ", frame time p50 %.1f ms p99 %.1f ms", percentile(st.latency, 50), percentile(st.latency, 99))
	}
	b.WriteString("; quality")
	for i, q := range st.qualitiesUsed() {
		sep := ","
		if i == 0 {
			sep = ""
		}
		pattern := ""
		switch {
		case q.Pattern != "":
			pattern = " " + q.Pattern
		case q.Bilinear:
			pattern = " bilinear"
		}
		fmt.Fprintf(&b, "%s %s %d spp step %d%s (%s)", sep, q.Integrator, q.SPP, q.PixelStep, pattern, plural(q.Frames, "frame"))
	}
	if st.traced.Load() > 0 && (target > 0 || st.TracedShare() < 1) {
		fmt.Fprintf(&b, "; traced %.0f%% of pixels", 100*st.TracedShare())
	}
	return b.String()
}

// plural writes n and noun, with an s (es after s) unless n is 1.
func plural(n int, noun string) string {
	switch {
	case n == 1:
		return "1 " + noun
	case strings.HasSuffix(noun, "s"):
		return fmt.Sprintf("%d %ses", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
