package render

import (
	"testing"
	"time"
)

// BenchmarkFillPass times the fill pass alone (fillRest: the pixels a
// pattern leaves out, filled or traced when nothing matches) over the
// 640x360 default scene's frame 101 filled from frame 100, in 64-pixel
// tiles: ns/filled is its time per pixel left out, rejected the share
// of those it traced instead.
func BenchmarkFillPass(b *testing.B) {
	for _, p := range []Pattern{PatternHalf, PatternQuarter} {
		b.Run(p.String(), func(b *testing.B) {
			s := openScene(b, "default")
			const w, h, side, n = 640, 360, 64, 101
			prev := Target{Pix: make([]uint32, w*h), GBuf: make([]uint32, GBufWords*w*h), W: w, H: h}
			if _, err := s.RenderTile(prev, Tile{X1: w, Y1: h, Frame: n - 1}, Quality{SPP: 1, MaxDepth: 4}); err != nil {
				b.Fatal(err)
			}
			dst := Target{Pix: make([]uint32, w*h), GBuf: make([]uint32, GBufWords*w*h), W: w, H: h,
				Hist: History{Frame: n - 1, Pix: prev.Pix, GBuf: prev.GBuf}}
			q, err := checkTile(dst, Tile{X1: w, Y1: h, Frame: n}, Quality{SPP: 1, MaxDepth: 4, Pattern: p})
			if err != nil {
				b.Fatal(err)
			}
			var spent time.Duration
			var left, rejected uint64
			for b.Loop() {
				for y := 0; y < h; y += side {
					for x := 0; x < w; x += side {
						t := Tile{X0: x, Y0: y, X1: min(x+side, w), Y1: min(y+side, h), Frame: n}
						tr := tracer{s: s, f: s.frame(n)}
						fl := newFiller(&tr, dst, t, q)
						fl.traceSamples()
						start := time.Now()
						rejected += fl.fillRest()
						spent += time.Since(start)
						left += uint64(float64((t.X1-t.X0)*(t.Y1-t.Y0)) * (1 - p.Share()))
						fl.release()
					}
				}
			}
			b.ReportMetric(float64(spent.Nanoseconds())/float64(left), "ns/filled")
			b.ReportMetric(float64(rejected)/float64(left), "rejected")
		})
	}
}

// BenchmarkSparseFill times PatternSparse's fill alone (sparseFill: the
// pixels it leaves out, from the history along its samples' motions,
// clamped) over the 640x360 default scene's frame 101 filled from frame
// 100, in 64-pixel tiles whose samples are traced before the timer runs:
// ns/filled is its time per pixel filled.
func BenchmarkSparseFill(b *testing.B) {
	s := openScene(b, "default")
	const w, h, side, n = 640, 360, 64, 101
	prev := Target{Pix: make([]uint32, w*h), W: w, H: h}
	if _, err := s.RenderTile(prev, Tile{X1: w, Y1: h, Frame: n - 1}, Quality{SPP: 1, MaxDepth: 4}); err != nil {
		b.Fatal(err)
	}
	dst := Target{Pix: make([]uint32, w*h), W: w, H: h, Hist: History{Frame: n - 1, Pix: prev.Pix}}
	q := Quality{SPP: 1, MaxDepth: 4, Pattern: PatternSparse}
	type tileFill struct {
		fl                         filler
		smp                        []sparseSample
		ox, oy, bx0, bx1, by0, by1 int
	}
	var fills []tileFill
	for y := 0; y < h; y += side {
		for x := 0; x < w; x += side {
			t := Tile{X0: x, Y0: y, X1: min(x+side, w), Y1: min(y+side, h), Frame: n}
			tr := &tracer{s: s, f: s.frame(n)}
			fl := filler{tr: tr, dst: dst, t: t, q: q, w: w, h: h, scale: tr.f.cam.pixelScale(h), simple: true, prev: s.newFrameState(n - 1)}
			f := tileFill{fl: fl}
			f.ox, f.oy, f.bx0, f.bx1, f.by0, f.by1 = sparseBlocks(w, h, t)
			f.smp = make([]sparseSample, (f.bx1-f.bx0+1)*(f.by1-f.by0+1))
			fl.traceSparse(f.smp, f.ox, f.oy, f.bx0, f.bx1, f.by0, f.by1)
			fills = append(fills, f)
		}
	}
	for b.Loop() {
		for i := range fills {
			f := &fills[i]
			f.fl.sparseFill(f.smp, f.ox, f.oy, f.bx0, f.bx1, f.by0, f.by1)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/(w*h*(1-PatternSparse.Share())), "ns/filled")
}
