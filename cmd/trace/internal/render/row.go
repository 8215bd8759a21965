package render

import "math"

// This file is RenderTile's path for the most common pass: one sample
// per pixel (or block, at a pixel step k > 1) through its centre, and no
// sums. It takes a row of a pixel group (at most groupSize pixels or
// blocks, in the columns rowBatch.x lists: every one, every kth, or the
// fill patterns' pixels) a stage at a time: the camera rays, then their
// hits, then the shadow rays of the diffuse hits aimed at the point
// lights, then the shadow tests and the shading. A pixel's square roots
// and divisions then overlap its neighbours' instead of each waiting at
// the head of its pixel's work. A pixel draws its random numbers in the
// same order as block does (a lens draws first, and the stream is kept
// for the rest of the pixel), point lights draw none, and every sum is
// taken in the same order: the pixels are the same bytes as block and
// store write.

// rowLights bounds the lights of a scene whose shadow rays a row aims in
// a stage of their own: scenes with more, or with area lights, shade
// their diffuse hits with direct.
const rowLights = 2

// rowBatch holds a row's stages. It lives in the tracer, which is zeroed
// once a tile, not once a row.
type rowBatch struct {
	x      [groupSize]int // the columns of the pixels (or a block's first)
	o, d   [groupSize]Vec
	c      [groupSize]Vec // colours
	h      [groupSize]hit
	sf     [groupSize]surface
	m      [groupSize]*material
	rng    [groupSize]RNG
	seeded [groupSize]bool
	hitOK  [groupSize]bool
	lit    [groupSize]bool // a diffuse hit whose shadow rays are aimed
	sh     [groupSize][rowLights]shadowRay
}

// stride sets the batch's columns to x0 + step*i for its first n
// entries, n at most groupSize.
func (b *rowBatch) stride(x0, step, n int) {
	for i := range b.x[:n] {
		b.x[i] = x0 + step*i
	}
}

// rowPath reports whether the pass at q into dst takes row.
func rowPath(dst Target, t Tile, q Quality) bool {
	return q.SPP == 1 && t.Sample == 0 && dst.Accum == nil
}

// row traces the blocks (x, y) of the pass's pixel step k, for x = x0,
// x0 + k, ... below x1 (at most groupSize of them), and writes their
// pixels inside the tile; it returns how many blocks it traced and how
// many pixels it wrote. scale is the camera's pixelScale.
func (tr *tracer) row(dst Target, t Tile, q Quality, x0, x1, y int, scale float64) (blocks, pixels int) {
	k := q.PixelStep
	n := min((x1-x0+k-1)/k, groupSize)
	tr.batch.stride(x0, k, n)
	tr.colourRow(dst, t, q, y, n, scale)
	if k == 1 {
		tr.s.packRow(dst.Pix[y*dst.W+x0:y*dst.W+x0+n], &tr.batch.c)
		return n, n
	}
	for i, c := range tr.batch.c[:n] {
		pixels += tr.s.store(dst, t, tr.batch.x[i], y, k, c, 1)
	}
	return n, pixels
}

// colourRow sets the colours of the batch's n blocks (x[i], y) of the
// pass's pixel step, at one sample through each block's centre (see
// block), as q's integrator gives them.
func (tr *tracer) colourRow(dst Target, t Tile, q Quality, y, n int, scale float64) {
	tr.cameraRays(dst, t, y, q.PixelStep, n, scale)
	b := &tr.batch
	if q.Integrator == Path {
		for i := range n {
			tr.rng, tr.seeded = b.rng[i], b.seeded[i]
			tr.seed = [4]int{t.Frame, b.x[i], y, 0}
			b.c[i] = tr.path(b.o[i], b.d[i], q.MaxDepth)
		}
		return
	}
	tr.hitRow(n)
	tr.aimRow(0, n)
	tr.shadeWhittedRow(0, n, t.Frame, y, q.MaxDepth)
}

// round32 rounds c through float32, as a pixel's mean is (see mean32).
func round32(c Vec) Vec {
	return Vec{float64(float32(c.X)), float64(float32(c.Y)), float64(float32(c.Z))}
}

// packRow packs the colours of a row's pixels, rounded through float32
// as a pixel's mean is (see mean32): in a loop of their own, the tone
// curve's divisions overlap.
func (s *Scene) packRow(pix []uint32, c *[groupSize]Vec) {
	for i := range pix {
		pix[i] = s.pack(round32(c[i]))
	}
}

// cameraRays sets the camera rays of the batch's n blocks (x[i], y) of
// step k, through their centres as block's sample 0 (a block at the
// image's edge is cut by it), and, for a lens camera, the random streams
// they leave for the rest of their samples. At step 1 a block is a pixel.
func (tr *tracer) cameraRays(dst Target, t Tile, y, k, n int, scale float64) {
	cam, b := &tr.f.cam, &tr.batch
	W, H := float64(dst.W), float64(dst.H)
	cy := float64(y) + 0.5*float64(min(k, dst.H-y))
	if cam.lens <= 0 {
		for i := range n {
			x := b.x[i]
			b.o[i], b.seeded[i] = cam.origin, false
			_, b.d[i] = cam.ray(float64(x)+0.5*float64(min(k, dst.W-x)), cy, W, H, scale, nil)
		}
		return
	}
	for i := range n {
		x := b.x[i]
		tr.seed, tr.seeded = [4]int{t.Frame, x, y, 0}, false
		b.o[i], b.d[i] = cam.ray(float64(x)+0.5*float64(min(k, dst.W-x)), cy, W, H, scale, tr.random())
		b.rng[i], b.seeded[i] = tr.rng, true
	}
}

// aimRow aims the shadow rays of the diffuse hits of the batch's pixels
// [lo, hi), when every light is a point light and there are at most
// rowLights, turning the hits' normals to the side lit as whittedAt does;
// it marks those pixels lit.
func (tr *tracer) aimRow(lo, hi int) {
	b, lights := &tr.batch, tr.s.lights
	batched := len(lights) > 0 && len(lights) <= rowLights
	for i := range lights {
		batched = batched && lights[i].Kind == lightPoint
	}
	for i := lo; i < hi; i++ {
		b.lit[i] = false
		if !batched || !b.hitOK[i] || b.m[i].Kind != matDiffuse {
			continue
		}
		sf := &b.sf[i]
		if !(b.d[i].Dot(sf.ng) < 0) {
			sf.n, sf.ng = sf.n.Neg(), sf.ng.Neg()
		}
		eps := spawnEps(sf.p)
		for j := range lights {
			tr.aim(&lights[j], sf.p, sf.n, sf.ng, eps, &b.sh[i][j])
		}
		b.lit[i] = true
	}
}

// shadeRow is whittedAt for pixel i's diffuse hit, whose shadow rays
// aimRow aimed.
func (tr *tracer) shadeRow(i int) Vec {
	b, lights := &tr.batch, tr.s.lights
	var e Vec
	for j := range lights {
		e = e.Add(tr.lit(&lights[j], &b.sh[i][j]))
	}
	e = e.Scale(1 / math.Pi)
	return b.m[i].Color.Mul(e.Add(tr.s.hdr.Ambient))
}

// pixelScale is the camera's pixelScale for images h pixels high, computed
// once per tracer rather than once per sample.
func (tr *tracer) pixelScale(h int) float64 {
	if tr.scaleH != h {
		tr.scale, tr.scaleH = tr.f.cam.pixelScale(h), h
	}
	return tr.scale
}

// hitRow finds the first hits of the batch's n camera rays, and the
// surfaces and materials of those that hit.
func (tr *tracer) hitRow(n int) {
	b := &tr.batch
	for i := range n {
		b.hitOK[i] = tr.firstHit(b.o[i], b.d[i], &b.h[i])
		if b.hitOK[i] {
			tr.surface(b.o[i], b.d[i], &b.h[i], &b.sf[i])
			b.m[i] = tr.s.material(&b.sf[i])
		}
	}
}

// shadeWhittedRow shades the batch's pixels [lo, hi), once aimRow has
// aimed their shadow rays: pixel i is (x[i], y) of frame, whose seed its
// secondary rays draw from.
func (tr *tracer) shadeWhittedRow(lo, hi, frame, y, maxDepth int) {
	b := &tr.batch
	for i := lo; i < hi; i++ {
		switch {
		case !b.hitOK[i]:
			b.c[i] = tr.s.background(b.d[i])
		case b.lit[i]:
			b.c[i] = tr.shadeRow(i)
		default:
			tr.rng, tr.seeded = b.rng[i], b.seeded[i]
			tr.seed = [4]int{frame, b.x[i], y, 0}
			b.c[i] = tr.whittedAt(b.d[i], &b.sf[i], b.m[i], 0, maxDepth)
		}
	}
}
