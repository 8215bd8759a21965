package render

import "math"

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
// fractions 0 or 1/2: fixed point, exact.
func (fl *filler) sparseFill(smp []sparseSample, ox, oy, bx0, bx1, by0, by1 int) {
	t, dst := fl.t, fl.dst
	cols := bx1 - bx0 + 1
	var hist []uint32
	if fl.prev != nil {
		hist = dst.Hist.Pix
	}
	W, H := dst.W, dst.H
	wm1, hm1 := fl.w-1, fl.h-1
	for y := t.Y0; y < t.Y1; y++ {
		j := (y - oy) >> 1
		wy := (y - oy) & 1 * 128 // fixed8 of the fraction, 0 or 1/2
		top := smp[(min(max(j, by0), by1)-by0)*cols:][:cols]
		bottom := smp[(min(max(j+1, by0), by1)-by0)*cols:][:cols]
		out := dst.Pix[y*W : y*W+W]
		last := math.MinInt // the samples' column whose clamp range lo, hi holds
		var lo, hi uint64
		for x := t.X0; x < t.X1; x++ {
			if wy == 0 && x&1 == ox {
				continue // traced
			}
			i := (x - ox) >> 1
			wx := (x - ox) & 1 * 128
			i0, i1 := min(max(i, bx0), bx1)-bx0, min(max(i+1, bx0), bx1)-bx0
			a, b, c, d := &top[i0], &top[i1], &bottom[i0], &bottom[i1]
			if hist != nil && a.moved {
				hx, hy := float64(x)+float64(a.dx), float64(y)+float64(a.dy)
				if hx >= 0 && hy >= 0 && hx <= wm1 && hy <= hm1 {
					x0, y0 := int(hx), int(hy)
					x1, y1 := min(x0+1, W-1), min(y0+1, H-1)
					r0, r1 := hist[y0*W:y0*W+W], hist[y1*W:y1*W+W]
					p := mixFixed(r0[x0], r0[x1], r1[x0], r1[x1], fixed8(hx-float64(x0)), fixed8(hy-float64(y0)))
					if i != last {
						lo, hi = clampRange(a.c, b.c, c.c, d.c)
						last = i
					}
					out[x] = clampLanes(p, lo, hi)
					continue
				}
			}
			out[x] = mixFixed(a.c, b.c, c.c, d.c, wx, wy)
		}
	}
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
func clampLanes(p uint32, lo, hi uint64) uint32 {
	v := lanes(p)
	up := ((v | laneHigh) - lo) & laneHigh >> 15 * 0xffff // lanes at least lo
	v = v&up | lo&^up
	down := ((hi | laneHigh) - v) & laneHigh >> 15 * 0xffff // lanes at most hi
	v = v&down | hi&^down
	return uint32(v&0xff|v>>8&0xff00|v>>16&0xff0000) | 0xff<<24
}
