package render

import (
	"math"
	"sync"
)

// This file is PatternSparse's traced pixels taken a row at a time, as
// row.go takes a pass's rows: the pattern's pixels of a row of a group,
// every other pixel, a stage at a time (camera rays, hits, shadow rays,
// shading). A pixel gets the same bytes as sparseSample gives it, and
// so as RenderTile's: the same calls on the same values in the same
// order, only interleaved with its neighbours'.

// sparseRow traces the n pixels (x0 + 2i, y) of the pattern, n at most
// groupSize, into sms[:n], with their motions to the previous frame. It
// needs fl.simple.
func (fl *filler) sparseRow(x0, y, n int, sms []sparseSample) {
	tr := fl.tr
	b := &tr.batch
	n = min(n, groupSize)
	sms = sms[:n]
	b.stride(x0, 2, n)
	tr.cameraRays(fl.dst, fl.t, y, 1, n, fl.scale)
	tr.hitRow(n)
	for i := range sms {
		sms[i] = sparseSample{}
		if fl.prev != nil {
			fl.rowMotion(i, x0+2*i, y, &sms[i])
		}
	}
	tr.aimRow(0, n)
	tr.shadeWhittedRow(0, n, fl.t.Frame, y, fl.q.MaxDepth)
	for i := range sms {
		sms[i].c = tr.s.pack(round32(b.c[i]))
	}
}

// rowMotion sets sm's motion from pixel (x, y), the row batch's pixel i,
// to the previous frame, as sparseSample does.
func (fl *filler) rowMotion(i, x, y int, sm *sparseSample) {
	b, pc := &fl.tr.batch, &fl.prev.cam
	d := b.d[i]
	if !b.hitOK[i] { // the sky moves with the camera's turn only
		if z := d.Dot(pc.forward); z > 0 {
			fl.motion(sm, x, y, d.Dot(pc.right)/z, d.Dot(pc.up)/z)
		}
		return
	}
	p := b.sf[i].p
	if inst := b.h[i].inst; inst >= 0 {
		cur, old := &fl.tr.f.xf[inst], &fl.prev.xf[inst]
		p = old.toWorld.point(cur.toObj.point(p))
	}
	v := p.Sub(pc.origin)
	if z := v.Dot(pc.forward); z > 0 {
		fl.motion(sm, x, y, v.Dot(pc.right)/z, v.Dot(pc.up)/z)
	}
}

// sparseFill fills the pixels of tile t that the pattern with traced
// pixel (ox, oy) of each 2x2 block leaves out, from the samples smp of
// blocks [bx0, bx1] x [by0, by1], as renderSparse describes. A filled
// pixel is at most half a sample's spacing past the sample at or before
// it, so that one is the nearest (ties to it), and the mixes are at
// fractions 0 or 1/2: fixed point, exact. What a sample's three filled
// pixels share (the whole pixels and the fractions of its motion, the
// weights of the mix, the clamp range) is worked out once, in its tap.
func (fl *filler) sparseFill(smp []sparseSample, ox, oy, bx0, bx1, by0, by1 int) {
	t, dst := fl.t, fl.dst
	cols := bx1 - bx0 + 1
	// The samples nearest the tile's pixels: their taps.
	ilo, jlo := (t.X0-ox)>>1, (t.Y0-oy)>>1
	ni := (t.X1-1-ox)>>1 - ilo + 1
	taps := fl.sparseTaps(smp, bx0, bx1, by0, by1, ilo, (t.X1-1-ox)>>1, jlo, (t.Y1-1-oy)>>1)
	defer sparseTapPool.Put(taps)
	W := dst.W
	for y := t.Y0; y < t.Y1; y++ {
		j := (y - oy) >> 1
		wy := (y - oy) & 1 * 128 // fixed8 of the fraction, 0 or 1/2
		top := smp[(min(max(j, by0), by1)-by0)*cols:][:cols]
		bottom := smp[(min(max(j+1, by0), by1)-by0)*cols:][:cols]
		row := (*taps)[(j-jlo)*ni:][:ni]
		out := dst.Pix[y*W : y*W+W]
		for x := t.X0; x < t.X1; x++ {
			if wy == 0 && x&1 == ox {
				continue // traced
			}
			i := (x - ox) >> 1
			if tp := &row[i-ilo]; tp.ok {
				if p, ok := fl.fetchTap(tp, x, y); ok {
					out[x] = clampLaneValues(p, tp.lo, tp.hi)
					continue
				}
			}
			wx := (x - ox) & 1 * 128
			i0, i1 := min(max(i, bx0), bx1)-bx0, min(max(i+1, bx0), bx1)-bx0
			out[x] = mixFixed(top[i0].c, top[i1].c, bottom[i0].c, bottom[i1].c, wx, wy)
		}
	}
}

// sparseTap is what the filled pixels nearest a sample take from it: the
// whole pixels of its motion (ix, iy) and their largest sums with a
// pixel's coordinates that stay in the history (xlim, ylim: less one
// where the fraction is not zero), the fractions in fixed8 (fx, fy) with
// their complements, and the clamp range (see clampRange). ok: the
// sample's motion is known and there is a history.
type sparseTap struct {
	lo, hi             uint64
	ix, iy, xlim, ylim int32
	fx, gx, fy, gy     uint16 // gx = 256 - fx, gy = 256 - fy
	ok                 bool
}

var sparseTapPool = sync.Pool{New: func() any { return new([]sparseTap) }}

// sparseTaps returns the taps of blocks [ilo, ihi] x [jlo, jhi] (a
// block before the first sample's, at the image's left or top edge,
// clamps to it, as the pixels there see it) from the samples smp of
// blocks [bx0, bx1] x [by0, by1], at [(j-jlo)*(ihi-ilo+1) + i-ilo]: put
// it back in sparseTapPool.
func (fl *filler) sparseTaps(smp []sparseSample, bx0, bx1, by0, by1, ilo, ihi, jlo, jhi int) *[]sparseTap {
	cols, ni := bx1-bx0+1, ihi-ilo+1
	buf := sparseTapPool.Get().(*[]sparseTap)
	n := ni * (jhi - jlo + 1)
	if cap(*buf) < n {
		*buf = make([]sparseTap, n)
	}
	taps := (*buf)[:n]
	hist := fl.prev != nil
	W, H := fl.dst.W, fl.dst.H
	for j := jlo; j <= jhi; j++ {
		top := smp[(min(max(j, by0), by1)-by0)*cols:][:cols]
		bottom := smp[(min(max(j+1, by0), by1)-by0)*cols:][:cols]
		row := taps[(j-jlo)*ni:][:ni]
		for i := ilo; i <= ihi; i++ {
			i0, i1 := min(max(i, bx0), bx1)-bx0, min(max(i+1, bx0), bx1)-bx0
			a := &top[i0]
			tp := &row[i-ilo]
			if !hist || !a.moved {
				tp.ok = false
				continue
			}
			tp.ix, tp.fx, tp.gx, tp.xlim = tapAxis(a.dx, W)
			tp.iy, tp.fy, tp.gy, tp.ylim = tapAxis(a.dy, H)
			tp.lo, tp.hi = clampRange(a.c, top[i1].c, bottom[i0].c, bottom[i1].c)
			tp.ok = true
		}
	}
	return buf
}

// tapAxis splits a motion d along an axis of n pixels into its whole
// pixels and its fraction in fixed8 (and 256 less it), and returns the
// largest pixel the motion may land on from there (n - 1, or n - 2 if
// the fraction is not zero): a pixel p moved by d lands at p + d, in the
// history when p + whole is in [0, lim].
func tapAxis(d float32, n int) (whole int32, f, g uint16, lim int32) {
	w := math.Floor(float64(d))
	frac := float64(d) - w
	f = uint16(fixed8(frac))
	lim = int32(n - 1)
	if frac != 0 {
		lim--
	}
	return int32(w), f, 256 - f, lim
}

// fetchTap returns the history's bilinear mix at pixel (x, y) moved along
// tp's motion, in lanes (see lanes), and whether it lands in the history.
// The mix is mixFixed's, exact: a row's two pixels mixed across in 16-bit
// lanes, then the two rows down, red and blue in 32-bit lanes.
func (fl *filler) fetchTap(tp *sparseTap, x, y int) (uint64, bool) {
	x0, y0 := x+int(tp.ix), y+int(tp.iy)
	if x0 < 0 || y0 < 0 || x0 > int(tp.xlim) || y0 > int(tp.ylim) {
		return 0, false
	}
	hist, W := fl.dst.Hist.Pix, fl.dst.W
	dx, dy := min(x0+1, W-1)-x0, (min(y0+1, fl.dst.H-1)-y0)*W
	q := y0*W + x0
	fx, gx, fy, gy := uint64(tp.fx), uint64(tp.gx), uint64(tp.fy), uint64(tp.gy)
	h0 := lanes(hist[q])*gx + lanes(hist[q+dx])*fx // at most 255 << 8 a lane
	h1 := lanes(hist[q+dy])*gx + lanes(hist[q+dy+dx])*fx
	const rb, half = 0x0000_ffff_0000_ffff, 1<<15 | 1<<47
	v := (h0&rb*gy + h1&rb*fy + half) >> 16 & 0x0000_00ff_0000_00ff // red, blue
	g := (h0>>16&0xffff*gy + h1>>16&0xffff*fy + 1<<15) >> 16
	return v&0xff | g<<16 | v>>32<<32, true
}

// lanes spreads a packed pixel's channels into 16-bit lanes.
func lanes(p uint32) uint64 {
	q := uint64(p)
	return q&0xff | q&0xff00<<8 | q&0xff0000<<16
}

// laneHigh is the top bit of each channel's lane.
const laneHigh = 0x8000_8000_8000

// clampRange returns the range clampChannels clamps to with the channels
// of a, b, c and d and sparseMargin, within [0, 255], as lanes.
func clampRange(a, b, c, d uint32) (lo, hi uint64) {
	l, h := lanes(minChannels(minChannels(a, b), minChannels(c, d))), lanes(maxChannels(maxChannels(a, b), maxChannels(c, d)))
	const m = sparseMargin * 0x0001_0001_0001
	// Less the margin, saturating at 0: the lanes below it are cleared.
	ge := ((l | laneHigh) - m) & laneHigh // lanes at least the margin
	lo = (l - m&(ge>>15*0xffff)) & (ge >> 15 * 0xffff)
	// Plus it, saturating at 255.
	h += m
	over := h & (0x100 * 0x0001_0001_0001) >> 8 // lanes past 255, at most 287
	hi = h&^(over*0xffff) | over*0xff
	return lo, hi
}

// clampLanes is clampChannels of p to the range of clampRange.
func clampLanes(p uint32, lo, hi uint64) uint32 { return clampLaneValues(lanes(p), lo, hi) }

// clampLaneValues is clampLanes of the pixel whose lanes are v.
func clampLaneValues(v, lo, hi uint64) uint32 {
	up := ((v | laneHigh) - lo) & laneHigh >> 15 * 0xffff // lanes at least lo
	v = v&up | lo&^up
	down := ((hi | laneHigh) - v) & laneHigh >> 15 * 0xffff // lanes at most hi
	v = v&down | hi&^down
	return uint32(v&0xff|v>>8&0xff00|v>>16&0xff0000) | 0xff<<24
}
