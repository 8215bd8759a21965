package view

import "fmt"

// Status is what a live view shows next to the frames: the run's figures as
// of the newest frame shown. The zero value is a run with no figure known
// yet. Its JSON form is what the HTTP view's /status reports.
type Status struct {
	// Frames is the number of frames the run plans; 0 means unknown.
	Frames int `json:"frames"`
	// FPS is the rate frames are shown at, over the last frames; 0 means
	// not known yet (one frame shown).
	FPS float64 `json:"fps"`
	// TargetFPS is the rate a paced run holds (-fps); 0 means unpaced.
	TargetFPS float64 `json:"target_fps"`
	// FrameMS is the newest frame's render time in milliseconds, from its
	// release to its last tile.
	FrameMS float64 `json:"frame_ms"`
	// DeadlineMisses counts the frames shown after their deadline so far.
	DeadlineMisses int `json:"deadline_misses"`
	// SPP and PixelStep are the newest frame's quality rung: samples per
	// traced pixel, and the side of the block of pixels one trace stands for.
	SPP       int `json:"spp"`
	PixelStep int `json:"pixel_step"`
	// TracedShare is the share of the newest frame's output pixels that were
	// traced fresh for it, from 0 to 1 (the rest were filled in from traced
	// neighbours or earlier frames).
	TracedShare float64 `json:"traced_share"`
	// Workers is the number of workers rendering, remote hosts' included.
	Workers int `json:"workers"`
	// Done is set once the render is over: the newest frame is its last.
	Done bool `json:"done"`
}

// figure is one figure of a Status as text: Key names it (the id of its
// element on the HTTP view's page), Text says it with its unit.
type figure struct {
	Key  string `json:"key"`
	Text string `json:"text"`
}

// figures returns st's figures for frame (the newest frame's number,
// counted from 0; -1 for none) of w x h pixels, in the order the views show them, leaving out
// those not known (zero): the frame time and rung before the first frame,
// the rate of an unpaced run before its second frame (a paced run shows
// "- fps" and its target), the misses of a run that has no deadlines. It is
// the one place that formats them: the terminal's status lines, the page
// and /status all show these texts.
func (st Status) figures(frame, w, h int) []figure {
	// People count frames from 1: the last of 5 frames is "frame 5/5".
	f := "frame -"
	switch {
	case frame >= 0 && st.Frames > 0:
		f = fmt.Sprintf("frame %d/%d", frame+1, st.Frames)
	case frame >= 0:
		f = fmt.Sprintf("frame %d", frame+1)
	}
	fs := []figure{{"frame", f}}
	if w > 0 && h > 0 {
		fs = append(fs, figure{"size", fmt.Sprintf("%dx%d", w, h)})
	}
	if st.FPS > 0 || st.TargetFPS > 0 {
		fps := "- fps"
		if st.FPS > 0 {
			fps = fmt.Sprintf("%.1f fps", st.FPS)
		}
		if st.TargetFPS > 0 {
			fps += fmt.Sprintf(" (target %g)", st.TargetFPS)
		}
		fs = append(fs, figure{"fps", fps})
	}
	if st.FrameMS > 0 {
		fs = append(fs, figure{"frame_ms", fmt.Sprintf("%.1f ms a frame", st.FrameMS)})
	}
	if st.TargetFPS > 0 {
		fs = append(fs, figure{"misses", plural(st.DeadlineMisses, "deadline miss", "deadline misses")})
	}
	if st.SPP > 0 {
		fs = append(fs, figure{"rung", fmt.Sprintf("%d spp step %d", st.SPP, max(st.PixelStep, 1))},
			figure{"traced", percent(st.TracedShare) + " traced"})
	}
	if st.Workers > 0 {
		fs = append(fs, figure{"workers", plural(st.Workers, "worker", "workers")})
	}
	return fs
}

// state says whether the run is still rendering, as the page shows it.
func (st Status) state() string {
	if st.Done {
		return "render finished: this is its last frame, served until Ctrl-C"
	}
	return "rendering"
}

// percent writes share as a percentage: whole above 10%, with a decimal
// below, so that the 0.4% of pixel step 16 does not read as none.
func percent(share float64) string {
	p := 100 * share
	if p < 9.95 {
		return fmt.Sprintf("%.1f%%", p)
	}
	return fmt.Sprintf("%.0f%%", p)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
