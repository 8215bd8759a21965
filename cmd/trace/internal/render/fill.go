package render

import (
	"fmt"
	"math"
	"sync"
)

// This file is RenderTile's fill pass: frames at full resolution when
// tracing every pixel costs more than a frame period. A Pattern picks the
// pixels a frame traces; every other pixel takes its colour from the
// previous frame, without a ray of its own, where the motion of the
// traced pixels next to it (the camera's and their objects') puts it
// (see reproject.go). The previous frame's G-buffer says what each of
// its pixels saw; where that does not match (another object behind or in
// front, a surface facing elsewhere), the pixel is traced. Each pixel
// depends only on the previous frame, whole, and on the pixels next to
// it, which a tile traces at its edges too, so the result is the same
// bytes for any tiling and any order of tiles.

// Pattern selects the pixels a frame traces (see Quality.Pattern). The
// zero value, PatternAll, traces every pixel.
type Pattern uint8

// The patterns: every pixel, then the ones filled from a G-buffer, densest
// first, then the ones filled without one (Clamped).
const (
	// PatternAll traces every pixel.
	PatternAll Pattern = iota
	// PatternHalf traces a checkerboard whose colours swap every frame:
	// two frames in a row trace every pixel once.
	PatternHalf
	// PatternQuarter traces one pixel of each 2x2 block, the diagonal
	// pair in two frames in a row, then the other pair: four frames in a
	// row trace every pixel once.
	PatternQuarter
	// PatternSparse traces PatternQuarter's pixels and fills the others
	// without a camera ray of their own, along the motion of the traced
	// pixels, clamped to their colours (see temporal.go): cheaper than
	// PatternQuarter, rougher, and it needs no G-buffer.
	PatternSparse
	// PatternChecker traces PatternHalf's pixels and fills the others as
	// PatternSparse does (see checker.go): half the pixels traced fresh,
	// for a little more than half a full frame's work, and no G-buffer.
	PatternChecker
	numPatterns
)

// quarterOrder is the pixel of its 2x2 block that PatternQuarter traces in
// frame n, at quarterOrder[n%4].
var quarterOrder = [4][2]int{{0, 0}, {1, 1}, {1, 0}, {0, 1}}

// Traces reports whether p traces pixel (x, y) of frame n. It is a pure
// function of its arguments, so every process agrees on the pattern.
func (p Pattern) Traces(x, y, n int) bool {
	switch p {
	case PatternHalf, PatternChecker:
		return (x+y+n)&1 == 0
	case PatternQuarter, PatternSparse:
		o := quarterOrder[n&3]
		return x&1 == o[0] && y&1 == o[1]
	}
	return true
}

// Share returns the fraction of a frame's pixels that p traces (for an
// image of even width and height; at most one row and column more).
func (p Pattern) Share() float64 {
	switch p {
	case PatternHalf, PatternChecker:
		return 0.5
	case PatternQuarter, PatternSparse:
		return 0.25
	}
	return 1
}

// String returns the pattern's name as ParsePattern reads it: "all",
// "half", "quarter", "sparse" or "checker".
func (p Pattern) String() string {
	switch p {
	case PatternAll:
		return "all"
	case PatternHalf:
		return "half"
	case PatternQuarter:
		return "quarter"
	case PatternSparse:
		return "sparse"
	case PatternChecker:
		return "checker"
	}
	return fmt.Sprintf("Pattern(%d)", uint8(p))
}

// Clamped reports whether p fills the pixels it leaves out without a
// G-buffer, from the previous frame's colours clamped to the traced
// pixels' around (PatternSparse, PatternChecker). Such a pattern takes no
// G-buffer, and its history needs none.
func (p Pattern) Clamped() bool { return p == PatternSparse || p == PatternChecker }

// ParsePattern returns the pattern named s, or an error wrapping ErrTile.
func ParsePattern(s string) (Pattern, error) {
	for p := range numPatterns {
		if p.String() == s {
			return p, nil
		}
	}
	return 0, fmt.Errorf("%w: unknown pattern %q (want all, half, quarter, sparse or checker)", ErrTile, s)
}

// GBufWords is the size of a pixel's entry in a G-buffer (Target.GBuf),
// in uint32 words: the depth of its camera ray's hit along the camera's
// forward axis (float32 bits; +Inf for none), the id of what it hit (0 for nothing; then, by
// kind, a plane, a material of the static world, a moving instance), and
// the hit's geometric normal (two 16-bit octahedral coordinates).
const GBufWords = 3

// History is the previous frame that a pass with a Pattern fills from.
// Pix nil means there is none: every pixel is traced. GBuf nil means a
// frame without a G-buffer (rendered at a coarse pixel step): its pixels
// are taken where the motion puts them, unchecked. Both are read, never
// written, and must hold the whole frame.
type History struct {
	Frame int      // its frame number, for its camera and object motion
	Pix   []uint32 // its pixels
	GBuf  []uint32 // its G-buffer, or nil
}

// Object ids in a G-buffer, by kind in the top two bits.
const (
	idSky   = 0
	idPlane = 1 << 30
	idWorld = 2 << 30
	idInst  = 3 << 30
	idMask  = 1<<30 - 1
)

// What a filled pixel needs of the previous frame: bilinear weights
// adding up to minFillWeight among the pixels around its place there
// whose hit matches its own, with normals within acos(minFillCos).
const (
	minFillWeight = 0.2
	minFillCos    = 0.9
)

// checkFill validates what RenderTile's fill pass needs.
func checkFill(dst Target, q Quality) error {
	n := dst.W * dst.H
	h := dst.Hist
	switch {
	case q.Pattern >= numPatterns:
		return fmt.Errorf("%w: %v", ErrTile, q.Pattern)
	case q.Pattern.Clamped() && (dst.GBuf != nil || dst.Accum != nil || q.PixelStep > 1 || len(h.Pix) < n && h.Pix != nil):
		return fmt.Errorf("%w: pattern %v with a G-buffer, sums, a pixel step of %d or a history of %d pixels", ErrTile, q.Pattern, q.PixelStep, len(h.Pix))
	case q.Pattern.Clamped():
		return nil
	case dst.GBuf == nil && q.Pattern != PatternAll:
		return fmt.Errorf("%w: pattern %v without a G-buffer", ErrTile, q.Pattern)
	case q.Bilinear && dst.Accum != nil:
		return fmt.Errorf("%w: bilinear blocks with sums", ErrTile)
	case dst.GBuf == nil:
		return nil
	case len(dst.GBuf) < GBufWords*n || dst.Accum != nil || q.PixelStep > 1:
		return fmt.Errorf("%w: a G-buffer of %d words for %dx%d, with sums or a pixel step of %d", ErrTile, len(dst.GBuf), dst.W, dst.H, q.PixelStep)
	case h.Pix == nil && h.GBuf != nil,
		h.Pix != nil && len(h.Pix) < n,
		h.GBuf != nil && len(h.GBuf) < GBufWords*n:
		return fmt.Errorf("%w: history of %d pixels and %d G-buffer words for %dx%d", ErrTile, len(h.Pix), len(h.GBuf), dst.W, dst.H)
	}
	return nil
}

// filler is one tile's fill pass.
type filler struct {
	tr     *tracer
	prev   *frameState // the history's frame; nil: no history to fill from
	dst    Target
	t      Tile
	q      Quality
	w, h   float64 // the image size
	scale  float64 // the camera's pixelScale
	simple bool    // a traced pixel is its camera ray's Whitted shading
	// The traced pixels of the tile and of the ring of pixels around it,
	// in the rectangle [ex0, ex0+cols) x [ey0, ...): what the pixels the
	// pattern leaves out are filled from (see reproject.go).
	samples    []fillSample
	buf        *[]fillSample // samples' pool entry
	ex0, ey0   int
	cols, rows int
}

// fillSamples holds a tile's samples, reused between tiles.
var fillSamples = sync.Pool{New: func() any { return new([]fillSample) }}

// renderFill is RenderTile with a G-buffer, its arguments checked. It
// traces the pattern's pixels of the tile, and of the ring around it
// (their camera rays only), then fills the others from the history
// along the motion of the traced pixels next to them, tracing those it
// cannot fill.
func (s *Scene) renderFill(dst Target, t Tile, q Quality) (stats TileStats, err error) {
	defer func() {
		// As RenderTile: a blob changed after Open, or a history written
		// by a faulty process, is reported, not a crash.
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", ErrCorrupt, r)
		}
	}()
	tr := tracer{s: s, f: s.frame(t.Frame)}
	fl := newFiller(&tr, dst, t, q)
	defer fl.release()
	stats.Traced = fl.traceSamples()
	if fl.prev != nil {
		stats.Traced += fl.fillRest()
	}
	stats.Pixels = uint64((t.X1 - t.X0) * (t.Y1 - t.Y0))
	stats.Samples = stats.Traced * uint64(q.SPP)
	stats.Rays = tr.rays
	return stats, nil
}

// newFiller returns the fill pass of tile t of dst at quality q, whose
// tracer is tr: release it when done.
func newFiller(tr *tracer, dst Target, t Tile, q Quality) filler {
	fl := filler{tr: tr, dst: dst, t: t, q: q, w: float64(dst.W), h: float64(dst.H), scale: tr.f.cam.pixelScale(dst.H)}
	fl.simple = q.SPP == 1 && q.Integrator == Whitted && tr.f.cam.lens <= 0 && t.Sample == 0
	if dst.Hist.Pix == nil || q.Pattern == PatternAll {
		return fl
	}
	fl.prev = tr.s.newFrameState(dst.Hist.Frame)
	fl.ex0, fl.ey0 = max(t.X0-1, 0), max(t.Y0-1, 0)
	fl.cols, fl.rows = min(t.X1+1, dst.W)-fl.ex0, min(t.Y1+1, dst.H)-fl.ey0
	n := samplesFor(q.Pattern, fl.cols, fl.rows)
	fl.buf = fillSamples.Get().(*[]fillSample)
	if cap(*fl.buf) < n {
		*fl.buf = make([]fillSample, n)
	}
	fl.samples = (*fl.buf)[:n]
	return fl
}

// release hands fl's samples back for other tiles.
func (fl *filler) release() {
	if fl.buf != nil {
		fillSamples.Put(fl.buf)
		fl.buf, fl.samples = nil, nil
	}
}

// traceSamples traces the pixels of the tile that the pattern selects
// (all of them without a history), and records the samples of those and
// of the ring around the tile; it returns how many pixels it traced.
func (fl *filler) traceSamples() (traced uint64) {
	t, tr := fl.t, fl.tr
	x0, y0, x1, y1 := t.X0, t.Y0, t.X1, t.Y1
	if fl.prev != nil {
		x0, y0, x1, y1 = fl.ex0, fl.ey0, min(t.X1+1, fl.dst.W), min(t.Y1+1, fl.dst.H)
	}
	const g = groupSize
	for gy := y0 - y0%g; gy < y1; gy += g {
		for gx := x0 - x0%g; gx < x1; gx += g {
			tr.firstRefs(float64(gx), float64(gy), float64(min(gx+g, fl.dst.W)), float64(min(gy+g, fl.dst.H)), fl.w, fl.h, fl.scale)
			for y := max(gy, y0); y < min(gy+g, y1); y++ {
				if fl.simple {
					traced += fl.sampleRow(max(gx, x0), min(gx+g, x1), y)
					continue
				}
				for x := max(gx, x0); x < min(gx+g, x1); x++ {
					if fl.prev != nil && !fl.q.Pattern.Traces(x, y, t.Frame) {
						continue
					}
					inside := x >= t.X0 && x < t.X1 && y >= t.Y0 && y < t.Y1
					fl.pixel(x, y, inside, fl.prev != nil)
					if inside {
						traced++
					}
				}
			}
		}
	}
	return traced
}

// sampleRow is traceSamples' loop over the pixels [x0, x1) of row y of a
// group, for fl.simple, on the staged row path (see row): it returns how
// many pixels of the tile it traced.
func (fl *filler) sampleRow(x0, x1, y int) uint64 {
	t, tr := fl.t, fl.tr
	b := &tr.batch
	n := 0
	for x := x0; x < x1; x++ {
		if fl.prev == nil || fl.q.Pattern.Traces(x, y, t.Frame) {
			b.x[n] = x
			n++
		}
	}
	tr.cameraRays(fl.dst, t, y, 1, n, fl.scale)
	tr.hitRow(n)
	// The pixels inside the tile are a run: the ring's are at its ends.
	lo, hi := n, n
	for i := range n {
		x := b.x[i]
		inside := x >= t.X0 && x < t.X1 && y >= t.Y0 && y < t.Y1
		if inside {
			lo, hi = min(lo, i), i+1
		}
		fl.record(x, y, inside, fl.prev != nil, b.hitOK[i], b.d[i], &b.h[i], &b.sf[i])
	}
	fl.shadeRow(lo, hi, y)
	return uint64(hi - lo)
}

// shadeRow shades the row batch's pixels [lo, hi) of row y, whose hits
// hitRow found, and writes them: the same bytes as trace.
func (fl *filler) shadeRow(lo, hi, y int) {
	tr := fl.tr
	tr.aimRow(lo, hi)
	tr.shadeWhittedRow(lo, hi, fl.t.Frame, y, fl.q.MaxDepth)
	pix := fl.dst.Pix[y*fl.dst.W : y*fl.dst.W+fl.dst.W]
	for i := lo; i < hi; i++ {
		pix[tr.batch.x[i]] = tr.s.pack(round32(tr.batch.c[i]))
	}
}

// fillRest fills the pixels of the tile that the pattern leaves out,
// tracing those it finds no match for, and returns how many it traced.
func (fl *filler) fillRest() (traced uint64) {
	t, tr := fl.t, fl.tr
	const g = groupSize
	for gy := t.Y0 - t.Y0%g; gy < t.Y1; gy += g {
		for gx := t.X0 - t.X0%g; gx < t.X1; gx += g {
			refs := false // the group's firstRefs, for the first pixel traced
			for y := max(gy, t.Y0); y < min(gy+g, t.Y1); y++ {
				// The row's pixels found no match for, in tr.batch.x.
				n := 0
				for x := max(gx, t.X0); x < min(gx+g, t.X1); x++ {
					if !fl.q.Pattern.Traces(x, y, t.Frame) && !fl.fill(x, y) {
						tr.batch.x[n] = x
						n++
					}
				}
				if n == 0 {
					continue
				}
				if !refs {
					tr.firstRefs(float64(gx), float64(gy), float64(min(gx+g, fl.dst.W)), float64(min(gy+g, fl.dst.H)), fl.w, fl.h, fl.scale)
					refs = true
				}
				fl.traceRow(n, y)
				traced += uint64(n)
			}
		}
	}
	return traced
}

// traceRow traces the row batch's n pixels (x[i], y) of the tile, with
// their G-buffer entries: on the staged row path for fl.simple.
func (fl *filler) traceRow(n, y int) {
	tr := fl.tr
	b := &tr.batch
	if !fl.simple {
		for _, x := range b.x[:n] {
			fl.pixel(x, y, true, false)
		}
		return
	}
	tr.cameraRays(fl.dst, fl.t, y, 1, n, fl.scale)
	tr.hitRow(n)
	for i := range n {
		fl.record(b.x[i], y, true, false, b.hitOK[i], b.d[i], &b.h[i], &b.sf[i])
	}
	fl.shadeRow(0, n, y)
}

// pixel traces pixel (x, y)'s camera ray and, if sample (a pixel of the
// pattern, with a history), records its sample; inside the tile, it
// writes its G-buffer entry and traces its colour.
func (fl *filler) pixel(x, y int, inside, sample bool) {
	tr := fl.tr
	o, d := fl.centreRay(x, y)
	var h hit
	if !tr.closest(o, d, 0, &h) {
		fl.record(x, y, inside, sample, false, d, &h, nil)
		if inside {
			fl.trace(y*fl.dst.W+x, x, y, d, nil, nil)
		}
		return
	}
	var sf surface
	tr.surface(o, d, &h, &sf)
	m := tr.s.material(&sf)
	fl.record(x, y, inside, sample, true, d, &h, &sf)
	if inside {
		fl.trace(y*fl.dst.W+x, x, y, d, &sf, m)
	}
}

// centreRay returns the camera ray through pixel (x, y)'s centre that
// the G-buffer and the motion follow: for a lens camera, the ray from the
// lens's centre (a lens camera's pixel is traced by block, with its own
// random lens point).
func (fl *filler) centreRay(x, y int) (o, d Vec) {
	cam := &fl.tr.f.cam
	if cam.lens > 0 {
		pin := *cam
		pin.lens = 0
		cam = &pin
	}
	return cam.ray(float64(x)+0.5, float64(y)+0.5, fl.w, fl.h, fl.scale, nil)
}

// record records the sample of pixel (x, y), if sample, and, inside the
// tile, writes its G-buffer entry, from its camera ray's direction d and,
// if ok, the ray's hit h on sf (before any shading turns sf's normals).
func (fl *filler) record(x, y int, inside, sample, ok bool, d Vec, h *hit, sf *surface) {
	var g []uint32
	if inside {
		i := y*fl.dst.W + x
		g = fl.dst.GBuf[GBufWords*i : GBufWords*i+GBufWords : GBufWords*i+GBufWords]
	}
	if !ok {
		if sample {
			fl.skySample(x, y, d)
		}
		if inside {
			g[0], g[1], g[2] = math.Float32bits(float32(math.Inf(1))), idSky, 0
		}
		return
	}
	id, enc, z := objectID(h, sf), octEncode(sf.ng), h.t*d.Dot(fl.tr.f.cam.forward)
	if sample {
		fl.hitSample(x, y, h, sf, id, enc, z)
	}
	if inside {
		g[0], g[1], g[2] = math.Float32bits(float32(z)), id, enc
	}
}

// trace shades pixel i at (x, y), whose camera ray has direction d and
// hits sf of material m (sf nil: nothing), with the bytes RenderTile
// gives it.
func (fl *filler) trace(i, x, y int, d Vec, sf *surface, m *material) {
	tr := fl.tr
	var c Vec
	switch {
	case !fl.simple:
		c = tr.block(fl.dst, fl.t, fl.q, x, y)
	case sf == nil:
		c = tr.s.background(d)
	default:
		tr.seed, tr.seeded = [4]int{fl.t.Frame, x, y, 0}, false
		c = tr.whittedAt(d, sf, m, 0, fl.q.MaxDepth)
	}
	fl.dst.Pix[i] = tr.s.pack(mean32(float32(c.X), float32(c.Y), float32(c.Z), float32(fl.q.SPP)))
}

// maxFillContrast is the largest difference in a channel between the
// previous pixels a filled pixel mixes.
const maxFillContrast = 48

func minChannels(a, b uint32) uint32 {
	return min(a&0xff, b&0xff) | min(a&0xff00, b&0xff00) | min(a&0xff0000, b&0xff0000)
}

func maxChannels(a, b uint32) uint32 {
	return max(a&0xff, b&0xff) | max(a&0xff00, b&0xff00) | max(a&0xff0000, b&0xff0000)
}

// contrast returns the largest channel of hi - lo, channel by channel (hi
// at least lo in each).
func contrast(lo, hi uint32) uint32 {
	return max(hi&0xff-lo&0xff, (hi>>8&0xff)-(lo>>8&0xff), (hi>>16&0xff)-(lo>>16&0xff))
}

// objectID returns the G-buffer id of what h hit: a plane, a material of
// the static world (its primitives are baked together), or an instance.
func objectID(h *hit, sf *surface) uint32 {
	switch h.inst {
	case instPlane:
		return idPlane | h.ref&idMask
	case instWorld:
		return idWorld | sf.mat&idMask
	}
	return idInst | uint32(h.inst)&idMask
}

// octEncode packs a unit vector into two 16-bit octahedral coordinates.
func octEncode(n Vec) uint32 {
	s := math.Abs(n.X) + math.Abs(n.Y) + math.Abs(n.Z)
	if !(s > 0) {
		return 0
	}
	x, y := n.X/s, n.Y/s
	if n.Z < 0 {
		x, y = (1-math.Abs(y))*math.Copysign(1, x), (1-math.Abs(x))*math.Copysign(1, y)
	}
	return uint32(uint16(int16(math.Round(x*32767)))) | uint32(uint16(int16(math.Round(y*32767))))<<16
}

// octDecode unpacks octEncode's vector, in the direction of the unit
// vector encoded but not normalised (any bits give a vector of length
// between 1/sqrt(3) and 1).
func octDecode(u uint32) Vec {
	x, y := float64(int16(u))/32767, float64(int16(u>>16))/32767
	z := 1 - math.Abs(x) - math.Abs(y)
	if z < 0 {
		x, y = (1-math.Abs(y))*math.Copysign(1, x), (1-math.Abs(x))*math.Copysign(1, y)
	}
	return Vec{x, y, z}
}
