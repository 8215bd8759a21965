package main

import (
	"context"
	"fmt"
	"hash/crc32"
	"math"

	"github.com/shmrun/shmrun/cmd/trace/internal/render"
	"github.com/shmrun/shmrun/runtime"
)

// This file is -psnr: how far what a paced run showed is from the frames
// at full quality. Keeping every frame shown would take 1 MB a frame, so
// the presenter keeps only each frame's plan (its quality, whether it
// filled from the frame before) and a checksum of its pixels. After the
// run, the frames are rendered again from their plans, unpaced: rendering
// is a pure function of the plans (the same bytes for any worker count,
// mode or crash), so the replay must give the bytes shown, which the
// checksums confirm; next to each, the frame is rendered at full quality
// (the base quality at pixel step 1, every pixel traced), and the PSNR of
// one against the other is the frame's.

// shownFrame is what the presenter keeps of a frame it showed.
type shownFrame struct {
	n        int
	q        render.Quality
	gbuf     bool   // it wrote a G-buffer
	hist     bool   // it filled from the frame before
	histGBuf bool   // checked against that frame's G-buffer
	sum      uint32 // CRC-32C of its pixels
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// record returns what the presenter keeps of frame f, which is in its
// slot, rendered.
func (s *session) record(f *frame) shownFrame {
	sf := shownFrame{n: f.n, q: f.q, gbuf: f.gbuf, sum: crc32.Checksum(s.img[f.slot].Pix, castagnoli)}
	if f.hist != nil {
		sf.hist, sf.histGBuf = true, f.hist.gbuf
	}
	return sf
}

// maxPSNR stands for identical frames, whose PSNR is infinite (JSON has
// no infinity).
const maxPSNR = 100.0

// psnrResult is what -psnr measured.
type psnrResult struct {
	mean, min float64 // dB
	frames    int
	identical bool // the replay gave every frame the bytes shown
}

// comparePSNR replays the latest run's frames and measures them against
// full quality (see the top of this file). Replayed frames use slots 0
// and 1, the full-quality ones slot 2.
func (s *session) comparePSNR(ctx context.Context) (*psnrResult, error) {
	res := &psnrResult{min: maxPSNR, identical: true}
	var prev *frame
	var sum float64
	for i, sf := range s.last.shown {
		f := &frame{n: sf.n, slot: i % 2, q: sf.q, accIn: -1, accOut: -1, gbuf: sf.gbuf}
		if sf.hist {
			if prev == nil || prev.n != sf.n-1 {
				return nil, fmt.Errorf("-psnr: frame %d filled from a frame not shown before it", sf.n)
			}
			f.hist = &histRef{n: prev.n, slot: prev.slot, gbuf: sf.histGBuf}
		}
		if err := s.replay(ctx, f); err != nil {
			return nil, err
		}
		if crc32.Checksum(s.img[f.slot].Pix, castagnoli) != sf.sum {
			res.identical = false
		}
		full := &frame{n: sf.n, slot: 2, q: s.base, accIn: -1, accOut: -1}
		full.q.Pattern, full.q.PixelStep, full.q.Bilinear = render.PatternAll, 1, false
		if err := s.replay(ctx, full); err != nil {
			return nil, err
		}
		p := psnr(s.img[f.slot].Pix, s.img[full.slot].Pix)
		sum += p
		res.min = min(res.min, p)
		res.frames++
		prev = f
	}
	if res.frames > 0 {
		res.mean = sum / float64(res.frames)
	}
	return res, nil
}

// replay renders frame f unpaced; its tile reports are dropped, so that
// the run's tile statistics are the run's alone.
func (s *session) replay(ctx context.Context, f *frame) error {
	f.tile = s.tileSide(f.q.PixelStep)
	jobs := s.tiles(f)
	s.tileLog.begin(f.n)
	_, err := runtime.Map(ctx, s.pool, tileKernel, jobs, &runtime.MapOptions{Chunk: 1, InFlight: len(jobs)})
	if err == nil {
		err = s.tileLog.drain(ctx)
	}
	s.tileLog.end(f.n, false)
	if err != nil {
		return fmt.Errorf("-psnr: frame %d: %w", f.n, err)
	}
	return nil
}

// psnr returns the peak signal-to-noise ratio of the RGBA pixels b
// against a, over the red, green and blue channels, in dB, at most
// maxPSNR.
func psnr(a, b []byte) float64 {
	var se uint64
	n := min(len(a), len(b)) / 4 * 4
	for i := 0; i < n; i += 4 {
		for c := i; c < i+3; c++ {
			d := int(a[c]) - int(b[c])
			se += uint64(d * d)
		}
	}
	if se == 0 {
		return maxPSNR
	}
	mse := float64(se) / float64(n/4*3)
	return min(maxPSNR, 10*math.Log10(255*255/mse))
}

// keys adds the comparison to a -stats object.
func (r *psnrResult) keys(m map[string]any) {
	m["psnr_mean_db"] = r.mean
	m["psnr_min_db"] = r.min
	m["psnr_frames"] = r.frames
	m["replay_identical"] = r.identical
}

// summary says the comparison in the words of the summary line.
func (r *psnrResult) summary() string {
	same := "the replay gave the same bytes"
	if !r.identical {
		same = "the replay gave OTHER BYTES than shown"
	}
	if r.min >= maxPSNR { // every frame shown was the full-quality frame
		return fmt.Sprintf("every frame shown is the full-quality frame (PSNR infinite, %.0f dB in -stats) over %s (%s)", maxPSNR, plural(r.frames, "frame"), same)
	}
	return fmt.Sprintf("PSNR against full quality mean %.2f dB, min %.2f dB over %s (%s)", r.mean, r.min, plural(r.frames, "frame"), same)
}
