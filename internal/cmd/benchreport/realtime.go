package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// The 60 fps run is not a benchmark of make bench: it takes the machine
// for 20 s of paced frames and a replay, and its figures mean something
// only on a quiet machine. make realtime runs it (cmd/trace -fps 60
// -frames 600 -psnr, filling from the previous frame and with coarse
// blocks) and leaves its -stats files at the module root; make bench
// reports them when they are there.

// realtimeFiles are the -stats files of make realtime, in the order shown.
var realtimeFiles = []struct{ path, what string }{
	{"realtime.json", "-fill reproject (default)"},
	{"realtime-blocks.json", "-fill blocks (before #15)"},
}

// realtimeRun is one -stats file's figures.
type realtimeRun struct {
	what        string
	FPS         float64 `json:"fps"`
	Frames      int     `json:"frames"`
	Misses      int     `json:"deadline_misses"`
	P50         float64 `json:"frame_ms_p50"`
	P99         float64 `json:"frame_ms_p99"`
	TracedShare float64 `json:"traced_share"`
	PSNRMean    float64 `json:"psnr_mean_db"`
	PSNRMin     float64 `json:"psnr_min_db"`
	Identical   bool    `json:"replay_identical"`
	Qualities   []struct {
		SPP       int    `json:"spp"`
		PixelStep int    `json:"pixel_step"`
		Pattern   string `json:"pattern"`
		Bilinear  bool   `json:"bilinear"`
		Frames    int    `json:"frames"`
	} `json:"qualities"`
}

// readRealtime reads the files of make realtime under root; a file that
// is not there is left out, one that does not parse is an error.
func readRealtime(root string) ([]realtimeRun, error) {
	var runs []realtimeRun
	for _, f := range realtimeFiles {
		b, err := os.ReadFile(filepath.Join(root, f.path))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		r := realtimeRun{what: f.what}
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, fmt.Errorf("%s: %w", f.path, err)
		}
		runs = append(runs, r)
	}
	return runs, nil
}

// realtimeSection is BENCHMARKS.md's section on the 60 fps run.
func realtimeSection(runs []realtimeRun) string {
	var b strings.Builder
	b.WriteString("## Real time: 60 fps, 600 frames\n\n")
	if len(runs) == 0 {
		b.WriteString("Not measured by `make bench`: run `make realtime` first, on a quiet machine ")
		b.WriteString("(`trace -fps 60 -frames 600 -o none -psnr`, with and without `-fill blocks`).\n\n")
		return b.String()
	}
	b.WriteString("From `make realtime` (run before `make bench`): `trace -fps 60 -frames 600 -o none -psnr`, ")
	b.WriteString("the PSNR of each frame shown against the same frame at full quality (replayed from the run's qualities).\n\n")
	b.WriteString("| run | fps | misses | frame ms p50 / p99 | traced share | PSNR mean / min (dB) | replay identical | qualities |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|\n")
	for _, r := range runs {
		var qs []string
		for _, q := range r.Qualities {
			s := fmt.Sprintf("step %d", q.PixelStep)
			switch {
			case q.Pattern != "":
				s += " " + q.Pattern
			case q.Bilinear:
				s += " bilinear"
			}
			qs = append(qs, fmt.Sprintf("%s (%d)", s, q.Frames))
		}
		fmt.Fprintf(&b, "| %s | %.1f | %d of %d | %.1f / %.1f | %.2f | %.2f / %.2f | %v | %s |\n", r.what, r.FPS, r.Misses, r.Frames,
			r.P50, r.P99, r.TracedShare, r.PSNRMean, r.PSNRMin, r.Identical, strings.Join(qs, ", "))
	}
	b.WriteString("\n")
	return b.String()
}
