package render

import "math"

// This file is how RenderTile's fill pass fills a pixel that its pattern
// leaves out, without a camera ray of its own. The pattern's pixels next
// to it (in the tile or in the ring of pixels around it, which the tile
// traces too: the bytes do not depend on the tiling) say where their hit
// points were in the previous frame. Along each of those motions the
// pixel looks into the previous frame, and takes the pixels there whose
// G-buffer entry, moved by its own object's motion into this frame, lands
// where the motion said (a disoccluded pixel finds the occluder there,
// which moves otherwise), on the same object, facing the same way. Of the
// motions that find a match, the nearest surface wins, as a depth buffer
// would have it: an object that moved in front of what the previous frame
// showed there hides it. A pixel no motion finds a match for is traced.

// fillSample is a traced pixel of a fill pass, as the pixels next to it
// see it.
type fillSample struct {
	n  vec32   // its hit's geometric normal; zero for the sky
	pn vec32   // n in the previous frame (moved back with its object)
	z  float32 // its depth along the camera's forward axis; +Inf for the sky
	// Its hit's tangent plane in the previous frame: a previous pixel
	// whose camera.ray offsets are (sx, sy) and depth zq saw a point
	// plane[0] + zq*(plane[1] + plane[2]*sx + plane[3]*sy) from it, and
	// on it within plane[4].
	plane [5]float32
	// The same plane in this frame: the pixel with offsets (sx, sy) sees
	// it at depth depth[0] / (depth[1] + depth[2]*sx + depth[3]*sy).
	depth  [4]float32
	dx, dy float32 // where its hit was in the previous frame, in pixels from it
	id     uint32  // what it hit (see objectID)
	enc    uint32  // n as a G-buffer holds it
	penc   uint32  // pn as a G-buffer holds it
	moved  bool    // dx, dy are known: the previous camera saw its point
}

// fillTolerance is how far, in pixels, the motion of a previous pixel
// may be from the motion a filled pixel looks along for the two to match.
const fillTolerance = 0.5

// fillHull is how far, in pixels, a filled pixel may be outside the
// places where the previous pixels it mixes land in this frame.
const fillHull = 0.25

// The offsets of the pixels a pattern traces next to a pixel it leaves
// out: the four beside it (PatternHalf, PatternQuarter's pixels with no
// traced pixel in their row or column), or the two in its row or column.
var (
	besides   = [][2]int{{-1, 0}, {1, 0}, {0, -1}, {0, 1}}
	diagonals = [][2]int{{-1, -1}, {1, -1}, {-1, 1}, {1, 1}}
	inRow     = [][2]int{{-1, 0}, {1, 0}}
	inColumn  = [][2]int{{0, -1}, {0, 1}}
)

// neighbours returns the offsets of the pixels that p traces in frame n
// next to pixel (x, y), which it leaves out.
func (p Pattern) neighbours(x, y, n int) [][2]int {
	if p == PatternHalf {
		return besides
	}
	o := quarterOrder[n&3]
	switch {
	case x&1 == o[0]:
		return inColumn
	case y&1 == o[1]:
		return inRow
	}
	return diagonals
}

// sample returns the sample of pixel (x, y) of the tile or its ring, or
// nil outside them.
func (fl *filler) sample(x, y int) *fillSample {
	x, y = x-fl.ex0, y-fl.ey0
	if x < 0 || y < 0 || x >= fl.cols || y >= fl.rows {
		return nil
	}
	// The samples are packed: a slot for each pixel the pattern can
	// trace, two pixels beside each other, or a 2x2 block, sharing one.
	if fl.q.Pattern == PatternHalf {
		return &fl.samples[(y*fl.cols+x)>>1]
	}
	return &fl.samples[(y>>1)*((fl.cols+1)>>1)+x>>1]
}

// samplesFor returns the number of sample slots of a cols x rows
// rectangle for pattern p (see filler.sample).
func samplesFor(p Pattern, cols, rows int) int {
	if p == PatternHalf {
		return (cols*rows + 1) >> 1
	}
	return ((rows + 1) >> 1) * ((cols + 1) >> 1)
}

// vec32 is a unit vector, as a sample keeps it.
type vec32 [3]float32

func toVec32(v Vec) vec32 { return vec32{float32(v.X), float32(v.Y), float32(v.Z)} }

func (v vec32) vec() Vec { return Vec{float64(v[0]), float64(v[1]), float64(v[2])} }

// skySample records the sample of pixel (x, y), whose camera ray in
// direction d hits nothing: the sky moves with the camera's turn only.
func (fl *filler) skySample(x, y int, d Vec) {
	s := fl.sample(x, y)
	*s = fillSample{id: idSky, z: float32(math.Inf(1))}
	pc := &fl.prev.cam
	if z := d.Dot(pc.forward); z > 0 {
		s.dx, s.dy, s.moved = fl.motionTo(x, y, d.Dot(pc.right)/z, d.Dot(pc.up)/z)
	}
}

// hitSample records the sample of pixel (x, y), whose camera ray hit h at
// sf at depth z, on object id, its normal encoded as enc.
func (fl *filler) hitSample(x, y int, h *hit, sf *surface, id, enc uint32, z float64) {
	s := fl.sample(x, y)
	*s = fillSample{n: toVec32(sf.ng), pn: toVec32(sf.ng), z: float32(z), id: id, enc: enc, penc: enc}
	p := sf.p
	cc := &fl.tr.f.cam
	s.depth = [4]float32{float32(sf.ng.Dot(p.Sub(cc.origin))), float32(sf.ng.Dot(cc.forward)), float32(sf.ng.Dot(cc.right)), float32(sf.ng.Dot(cc.up))}
	if h.inst >= 0 {
		cur, old := &fl.tr.f.xf[h.inst], &fl.prev.xf[h.inst]
		p = old.toWorld.point(cur.toObj.point(p))
		n := old.toObj.transposed(cur.toWorld.transposed(sf.ng)).Normalize()
		s.pn, s.penc = toVec32(n), octEncode(n)
	}
	pc := &fl.prev.cam
	v := p.Sub(pc.origin)
	n := s.pn.vec()
	s.plane = [5]float32{float32(-n.Dot(v)), float32(n.Dot(pc.forward)), float32(n.Dot(pc.right)), float32(n.Dot(pc.up)), float32(v.Length() * 2 * pc.pixelScale(fl.dst.H))}
	if z := v.Dot(pc.forward); z > 0 {
		s.dx, s.dy, s.moved = fl.motionTo(x, y, v.Dot(pc.right)/z, v.Dot(pc.up)/z)
	}
}

// fillMatch is what a filled pixel takes from the previous frame along
// one motion.
type fillMatch struct {
	pix uint32
	g   [GBufWords]uint32 // its G-buffer entry
	z   float64           // its depth, for the nearest match
	ok  bool
}

// fill fills pixel (x, y), which the pattern leaves out, from the
// previous frame, and reports whether it found a match.
func (fl *filler) fill(x, y int) bool {
	var ss [4]*fillSample
	n := 0
	uniform := true // every sample next to the pixel on one object, and moved
	for _, o := range fl.q.Pattern.neighbours(x, y, fl.t.Frame) {
		if s := fl.sample(x+o[0], y+o[1]); s != nil {
			ss[n] = s
			n++
			uniform = uniform && s.moved && s.id == ss[0].id
		}
	}
	if n == 0 {
		return false
	}
	if uniform && fl.dst.Hist.GBuf != nil {
		switch fl.fillPlane(x, y, ss[0]) {
		case planeFilled:
			return true
		case planeTrace:
			return false
		}
	}
	var tried [4]*fillSample
	nt := 0
	var best fillMatch
	var from *fillSample
	missed := float32(math.Inf(1)) // the nearest sample that found no match
	for _, s := range ss[:n] {
		if seen(tried[:nt], s) {
			continue
		}
		tried[nt] = s
		nt++
		m := fl.fetch(x, y, s)
		switch {
		case !m.ok:
			missed = min(missed, s.z)
		case from == nil || m.z < best.z:
			best, from = m, s
		}
		if fl.dst.Hist.GBuf == nil {
			break // unchecked: the nearest motion
		}
	}
	// A nearer surface next to the pixel that the previous frame did not
	// show may cover it: a silhouette, traced.
	if from != nil && float64(missed) < float64(from.z) {
		return false
	}
	// Mirrors and glass are filled too, off by a frame's motion of their
	// reflections (the contrast test catches the worst): they are the
	// costliest pixels, a quarter of a frame's time on the default scene,
	// and tracing them made a half-pattern frame cost more than a full
	// one for 0.55 dB.
	if from == nil {
		return false
	}
	i := y*fl.dst.W + x
	fl.dst.Pix[i] = best.pix
	copy(fl.dst.GBuf[GBufWords*i:GBufWords*i+GBufWords], best.g[:])
	return true
}

// planeFill is what fillPlane did.
type planeFill uint8

const (
	planeUnknown planeFill = iota // nothing: the general case decides
	planeFilled                   // the pixel
	planeTrace                    // nothing: the pixels there differ too much, trace it
)

// fillPlane fills pixel (x, y) along s's motion when the four previous
// pixels around where it takes the pixel all saw s's surface: s's
// object, on s's tangent plane, facing its way. The pixel's G-buffer
// entry is where its camera ray meets that plane. It writes nothing when
// they did not (planeUnknown: the general case, fetch, decides) or when
// their colours differ too much (planeTrace: an edge, a fine texture,
// which no motion would fill better).
func (fl *filler) fillPlane(x, y int, s *fillSample) planeFill {
	fx, fy := float64(x)+float64(s.dx), float64(y)+float64(s.dy)
	if !(fx >= 0 && fy >= 0 && fx < fl.w-1 && fy < fl.h-1) {
		return planeUnknown
	}
	x0, y0 := int(fx), int(fy)
	hist, W := &fl.dst.Hist, fl.dst.W
	// The plane's distance at the previous pixel (x0+i, y0+j) at depth
	// zq is pl[0] + zq*(at + i*dx + j*dy).
	k := fl.prev.cam.pixelScale(fl.dst.H)
	pl := &s.plane
	at := pl[1] + pl[2]*float32((2*float64(x0)+1-fl.w)*k) + pl[3]*float32((fl.h-2*float64(y0)-1)*k)
	dx, dy := pl[2]*float32(2*k), -pl[3]*float32(2*k)
	var px [4]uint32
	for j := range 4 {
		qi := (y0+j>>1)*W + x0 + j&1
		e := hist.GBuf[GBufWords*qi : GBufWords*qi+GBufWords : GBufWords*qi+GBufWords]
		if e[1] != s.id {
			return planeUnknown
		}
		if s.id != idSky {
			a := at
			if j&1 != 0 {
				a += dx
			}
			if j>>1 != 0 {
				a += dy
			}
			if d := pl[0] + math.Float32frombits(e[0])*a; !(d <= pl[4] && d >= -pl[4]) {
				return planeUnknown
			}
			if e[2] != s.penc {
				nq := octDecode(e[2])
				if d := nq.Dot(s.pn.vec()); !(d > 0 && d*d >= minFillCos*minFillCos*nq.Dot(nq)) {
					return planeUnknown
				}
			}
		}
		px[j] = hist.Pix[qi]
	}
	lo := minChannels(minChannels(px[0], px[1]), minChannels(px[2], px[3]))
	hi := maxChannels(maxChannels(px[0], px[1]), maxChannels(px[2], px[3]))
	if contrast(lo, hi) > maxFillContrast {
		return planeTrace
	}
	g := [GBufWords]uint32{math.Float32bits(float32(math.Inf(1))), idSky, 0}
	if s.id != idSky {
		sx, sy := float32((2*float64(x)+1-fl.w)*fl.scale), float32((fl.h-2*float64(y)-1)*fl.scale)
		dp := &s.depth
		z := dp[0] / (dp[1] + dp[2]*sx + dp[3]*sy)
		if !(z > 0) {
			return planeUnknown
		}
		g = [GBufWords]uint32{math.Float32bits(z), s.id, s.enc}
	}
	i := y*W + x
	fl.dst.Pix[i] = mixFixed(px[0], px[1], px[2], px[3], fixed8(fx-float64(x0)), fixed8(fy-float64(y0)))
	copy(fl.dst.GBuf[GBufWords*i:GBufWords*i+GBufWords], g[:])
	return planeFilled
}

// seen reports whether one of the samples tried has s's object and
// about its motion: looking along s would find the same.
func seen(tried []*fillSample, s *fillSample) bool {
	for _, u := range tried {
		if u.id == s.id && math.Abs(float64(u.dx-s.dx)) < fillTolerance/2 && math.Abs(float64(u.dy-s.dy)) < fillTolerance/2 {
			return true
		}
	}
	return false
}

// fetch returns the bilinear mix of the previous frame's pixels around
// where s's motion takes pixel (x, y), of those that match s. Without a
// G-buffer in the history, it takes them unchecked, and gives the pixel
// a G-buffer entry that the next frame matches nothing with.
func (fl *filler) fetch(x, y int, s *fillSample) (m fillMatch) {
	if !s.moved {
		return m
	}
	fx, fy := float64(x)+float64(s.dx), float64(y)+float64(s.dy)
	if !(fx > -1 && fx < fl.w && fy > -1 && fy < fl.h) {
		return m
	}
	x0, y0 := math.Floor(fx), math.Floor(fy)
	ax, ay := fx-x0, fy-y0
	hist := &fl.dst.Hist
	var r, g, b, sum, zsum, top float64
	lo, hi := uint32(0xffffff), uint32(0)
	hull := [4]float64{math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)} // of the matches' landing places
	for j := range 4 {
		qx, qy := int(x0)+j&1, int(y0)+j>>1
		wx, wy := 1-ax, 1-ay
		if j&1 != 0 {
			wx = ax
		}
		if j>>1 != 0 {
			wy = ay
		}
		w := wx * wy
		if !(w > 0) || qx < 0 || qy < 0 || qx >= fl.dst.W || qy >= fl.dst.H {
			continue
		}
		qi := qy*fl.dst.W + qx
		e := [GBufWords]uint32{math.Float32bits(float32(math.NaN())), s.id, 0}
		var z float64
		if hist.GBuf != nil {
			var mx, my float64
			var ok bool
			if e, z, mx, my, ok = fl.matches(hist.GBuf[GBufWords*qi:GBufWords*qi+GBufWords:GBufWords*qi+GBufWords], qx, qy, s); !ok {
				continue
			}
			// Where q lands in this frame, from pixel (x, y).
			lx, ly := float64(qx)-mx-float64(x), float64(qy)-my-float64(y)
			hull[0], hull[1] = min(hull[0], lx), max(hull[1], lx)
			hull[2], hull[3] = min(hull[2], ly), max(hull[3], ly)
		}
		px := hist.Pix[qi]
		lo, hi = minChannels(lo, px), maxChannels(hi, px)
		r += w * float64(px&0xff)
		g += w * float64(px>>8&0xff)
		b += w * float64(px>>16&0xff)
		sum += w
		zsum += w * z
		if w > top {
			top, m.g = w, e
		}
	}
	if !(sum >= minFillWeight) || contrast(lo, hi) > maxFillContrast {
		return m
	}
	// The pixel must be among the places the matches land at: at the edge
	// of a surface, the previous pixels around may all be on the surface
	// and land next to the pixel, off it (a curved surface's silhouette
	// moves across its points).
	if hist.GBuf != nil && !(hull[0] <= fillHull && hull[1] >= -fillHull && hull[2] <= fillHull && hull[3] >= -fillHull) {
		return m
	}
	m.pix, m.z, m.ok = Pixel(uint8(r/sum+0.5), uint8(g/sum+0.5), uint8(b/sum+0.5)), zsum/sum, true
	return m
}

// matches moves the previous pixel (qx, qy), whose G-buffer entry is e,
// into this frame, and reports whether it matches s: the same object,
// moving as s does, its normal within acos(minFillCos) of s's. It
// returns the pixel's G-buffer entry and depth in this frame. The entry
// may be garbage (shared memory): a NaN fails every test.
func (fl *filler) matches(e []uint32, qx, qy int, s *fillSample) (g [GBufWords]uint32, z, mx, my float64, ok bool) {
	id := e[1]
	if id != s.id {
		return g, 0, 0, 0, false
	}
	pc, cc := &fl.prev.cam, &fl.tr.f.cam
	k := pc.pixelScale(fl.dst.H)
	v := pc.forward.AddScaled(pc.right, (2*float64(qx)+1-fl.w)*k).AddScaled(pc.up, (fl.h-2*float64(qy)-1)*k)
	n := octDecode(e[2])
	enc := e[2]
	if id != idSky {
		zq := float64(math.Float32frombits(e[0]))
		if !(zq > 0) || math.IsInf(zq, 1) {
			return g, 0, 0, 0, false
		}
		p := pc.origin.AddScaled(v, zq)
		if id&^idMask == idInst {
			i := int(id & idMask)
			if i >= len(fl.prev.xf) {
				return g, 0, 0, 0, false
			}
			cur, old := &fl.tr.f.xf[i], &fl.prev.xf[i]
			p = cur.toWorld.point(old.toObj.point(p))
			n = cur.toObj.transposed(old.toWorld.transposed(n))
			enc = octEncode(n)
		}
		v = p.Sub(cc.origin)
		// Facing s's way, and this camera: a point of a curved surface
		// can turn away, behind the surface's front.
		if d := n.Dot(s.n.vec()); !(d > 0 && d*d >= minFillCos*minFillCos*n.Dot(n)) || !(n.Dot(v) < 0) {
			return g, 0, 0, 0, false
		}
	}
	z = v.Dot(cc.forward)
	if !(z > 0) {
		return g, 0, 0, 0, false
	}
	// camera.ray inverted, less half a pixel: q's place in this frame, on
	// the pixel centres' grid, and its motion back to the previous one.
	inv := 1 / (z * fl.scale)
	mx = float64(qx) - ((v.Dot(cc.right)*inv+fl.w)/2 - 0.5)
	my = float64(qy) - ((fl.h-v.Dot(cc.up)*inv)/2 - 0.5)
	if !(math.Abs(mx-float64(s.dx)) <= fillTolerance && math.Abs(my-float64(s.dy)) <= fillTolerance) {
		return g, 0, 0, 0, false
	}
	if id == idSky {
		return [GBufWords]uint32{e[0], idSky, 0}, math.Inf(1), mx, my, true
	}
	return [GBufWords]uint32{math.Float32bits(float32(z)), id, enc}, z, mx, my, true
}
