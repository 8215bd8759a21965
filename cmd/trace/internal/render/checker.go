package render

// This file is PatternChecker: PatternHalf's checkerboard traced, the
// other pixels filled the way PatternSparse fills them, without a camera
// ray or a G-buffer. A filled pixel takes the previous frame's colour
// along the motion of the traced pixel on its left (on its right at the
// image's left edge), clamped per channel to the colours of the four
// traced pixels beside it; without a previous frame, or where the motion
// leaves it, the mean of those four. The traced pixels beside a tile's
// edge belong to other tiles: the tile traces those too, so the bytes do
// not depend on the tiling.

// checkerArea is the rectangle of pixels a tile of PatternChecker traces
// or reads: the tile and the ring of pixels around it, within the image.
type checkerArea struct{ x0, y0, x1, y1 int }

func (a checkerArea) width() int { return a.x1 - a.x0 }

// renderChecker is RenderTile with PatternChecker, its arguments checked.
func (s *Scene) renderChecker(dst Target, t Tile, q Quality) (stats TileStats) {
	fl := s.clampedFiller(dst, t, q)
	a := checkerArea{max(t.X0-1, 0), max(t.Y0-1, 0), min(t.X1+1, dst.W), min(t.Y1+1, dst.H)}
	buf := sparseSamples.Get().(*[]sparseSample)
	defer sparseSamples.Put(buf)
	n := a.width() * (a.y1 - a.y0)
	if cap(*buf) < n {
		*buf = make([]sparseSample, n)
	}
	smp := (*buf)[:n]
	stats.Traced = fl.traceChecker(smp, a)
	stats.Traced += fl.checkerFill(smp, a)
	stats.Pixels = uint64((t.X1 - t.X0) * (t.Y1 - t.Y0))
	stats.Samples = stats.Traced * uint64(q.SPP)
	stats.Rays = fl.tr.rays
	return stats
}

// traceChecker traces the pattern's pixels of area a into smp (at
// (y-a.y0)*a.width() + x-a.x0; the others are left as they were), a group
// at a time, writes those inside the tile, and returns how many it wrote.
func (fl *filler) traceChecker(smp []sparseSample, a checkerArea) (traced uint64) {
	tr, dst, t := fl.tr, fl.dst, fl.t
	var row [groupSize]sparseSample
	for gy := a.y0; gy < a.y1; gy += groupSize {
		for gx := a.x0; gx < a.x1; gx += 2 * groupSize {
			gx1, gy1 := min(gx+2*groupSize, a.x1), min(gy+groupSize, a.y1)
			tr.firstRefs(float64(gx), float64(gy), float64(gx1), float64(gy1), fl.w, fl.h, fl.scale)
			for y := gy; y < gy1; y++ {
				x0 := gx + (gx+y+t.Frame)&1 // the row's first traced pixel
				if x0 >= gx1 {
					continue
				}
				n := (gx1 - x0 + 1) / 2
				if fl.simple {
					fl.sparseRow(x0, y, n, row[:n])
				} else {
					for i := range n {
						fl.sparseSample(x0+2*i, y, &row[i])
					}
				}
				out := smp[(y-a.y0)*a.width() : (y-a.y0+1)*a.width()]
				for i := range n {
					x := x0 + 2*i
					out[x-a.x0] = row[i]
					if x >= t.X0 && x < t.X1 && y >= t.Y0 && y < t.Y1 {
						dst.Pix[y*dst.W+x] = row[i].c
						traced++
					}
				}
			}
		}
	}
	return traced
}

// checkerFill fills the pixels of the tile that the pattern leaves out
// from the samples smp of area a, as renderChecker describes. An image of
// one pixel has no traced pixel beside its one pixel, so it has none to
// fill it from: the pixel is traced instead (in frames where the pattern
// leaves it out). It returns how many pixels it traced.
func (fl *filler) checkerFill(smp []sparseSample, a checkerArea) (traced uint64) {
	t, dst := fl.t, fl.dst
	W, H := dst.W, dst.H
	if W == 1 && H == 1 {
		if fl.q.Pattern.Traces(0, 0, t.Frame) || t.X1 == 0 || t.Y1 == 0 {
			return 0
		}
		var sm sparseSample
		fl.sparseSample(0, 0, &sm)
		dst.Pix[0] = sm.c
		return 1
	}
	aw := a.width()
	at := func(x, y int) *sparseSample { return &smp[(y-a.y0)*aw+x-a.x0] }
	for y := t.Y0; y < t.Y1; y++ {
		up, down := y-1, y+1
		if up < 0 {
			up = down
		}
		if down >= H {
			down = up
		}
		out := dst.Pix[y*W : y*W+W]
		for x := t.X0 + (t.X0+y+t.Frame+1)&1; x < t.X1; x += 2 {
			left, right := x-1, x+1
			if left < 0 {
				left = right
			}
			if right >= W {
				right = left
			}
			// A one-pixel-wide or -high image has two traced pixels
			// beside each filled one, not four: the two count twice.
			switch {
			case left >= W: // W == 1
				u, d := at(x, up), at(x, down)
				out[x] = fl.checkerPixel(u, u, d, u, d, x, y)
				continue
			case up >= H: // H == 1
				l, r := at(left, y), at(right, y)
				out[x] = fl.checkerPixel(l, l, r, l, r, x, y)
				continue
			}
			out[x] = fl.checkerPixel(at(left, y), at(left, y), at(right, y), at(x, up), at(x, down), x, y)
		}
	}
	return 0
}

// checkerPixel returns the colour of filled pixel (x, y): the history
// along m's motion clamped to the colours of l, r, u and d (the traced
// pixels beside it), or, where that is not to be had, their mean.
func (fl *filler) checkerPixel(m, l, r, u, d *sparseSample, x, y int) uint32 {
	if fl.prev != nil && m.moved {
		var tp sparseTap
		tp.ix, tp.fx, tp.gx, tp.xlim = tapAxis(m.dx, fl.dst.W)
		tp.iy, tp.fy, tp.gy, tp.ylim = tapAxis(m.dy, fl.dst.H)
		if p, ok := fl.fetchTap(&tp, x, y); ok {
			lo, hi := clampRange(l.c, r.c, u.c, d.c)
			return clampLaneValues(p, lo, hi)
		}
	}
	return mixFixed(l.c, r.c, u.c, d.c, 128, 128)
}
