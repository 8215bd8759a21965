package render

import "fmt"

// Target is a frame buffer the renderer writes into: usually views of
// shared memory. Pix holds W*H packed RGBA pixels (see Pixel), row-major
// from the top left. Accum and Prev are optional float32 buffers of 4*W*H
// values (per pixel: sums of R, G, B and the number of samples) for
// progressive rendering; they must not overlap each other or Pix.
//
// GBuf, when set, holds GBufWords words per pixel, the geometry each
// pixel shows (see RenderTile), which RenderTile writes; Hist is the
// previous frame that a Quality with a Pattern fills the pixels it does
// not trace from. Neither may overlap the other buffers.
type Target struct {
	Pix   []uint32
	Accum []float32
	Prev  []float32
	GBuf  []uint32
	Hist  History
	W, H  int
}

// Tile is a rectangle [X0, X1) x [Y0, Y1) of one frame. Frame selects the
// animation time (see Scene.Time) and seeds the random numbers. Sample is
// the index of the first sample of this pass: a progressive pass renders
// samples [Sample, Sample+SPP).
type Tile struct {
	X0, Y0, X1, Y1 int
	Frame          int
	Sample         int
}

// Integrator selects a light transport algorithm.
type Integrator uint8

const (
	// Whitted traces shadow rays to each light at diffuse surfaces and
	// follows mirror and glass rays: fast, for real time.
	Whitted Integrator = iota
	// Path is a unidirectional path tracer with next-event estimation and
	// Russian roulette: global illumination, noisy at few samples.
	Path
)

// Quality sets how much work a tile gets. The zero value means one sample
// per pixel, the integrator's default depth (5 for Whitted, 8 for Path),
// a pixel step of 1 and every pixel traced.
type Quality struct {
	SPP        int // samples per pixel per pass, in [0, 65536]
	MaxDepth   int // bounces, in [0, 64]; 0 means the default
	PixelStep  int // trace one pixel per Step x Step block, in [0, 16]
	Integrator Integrator
	// Pattern, other than PatternAll, traces only the pixels it selects
	// and fills the others from Target.Hist (see RenderTile); it needs a
	// pixel step of 1 and a Target.GBuf, and no sums.
	Pattern Pattern
	// Bilinear, at a pixel step k > 1, gives each pixel the bilinear mix
	// of the four traced blocks whose centres surround it instead of its
	// own block's colour; it needs no sums.
	Bilinear bool
}

// TileStats counts the work RenderTile did.
type TileStats struct {
	Rays    uint64 // rays traced: camera, bounce and shadow rays, each once however it is answered
	Samples uint64 // camera samples traced (pixels or blocks traced times SPP)
	Pixels  uint64 // pixels written
	// Traced counts the pixels (at a pixel step k, the blocks) whose
	// colour was traced in this pass rather than filled from the previous
	// frame or copied from a block's traced pixel.
	Traced uint64
}

// Pixel packs 8-bit red, green and blue and an opaque alpha into the
// uint32 layout of Target.Pix: R | G<<8 | B<<16 | 0xFF<<24.
func Pixel(r, g, b uint8) uint32 {
	return uint32(r) | uint32(g)<<8 | uint32(b)<<16 | 0xff<<24
}

// RenderTile renders one tile of one frame into dst, writing only pixels
// (and accumulator entries) inside the tile. The result is a pure function
// of the scene, the pixel, the frame, the samples and q: tiles can be
// rendered in any order, by any goroutine or process, and a tile can be
// rendered again (after a crash) with the same bytes as the result.
//
// With PixelStep k > 1, the image is divided into k x k blocks aligned to
// the image origin (not to the tile); one sample position per block is
// traced and replicated to its pixels (with Bilinear, mixed between block
// centres: a tile traces the blocks around it too), so the image does not
// depend on the tiling either.
//
// With Accum set, the pass's sums are added to Prev's (when Sample > 0 and
// Prev is set) and stored in Accum, and Pix gets their average. Reading
// Prev and writing Accum, rather than updating one buffer in place, is what
// makes a re-run pass idempotent; Prev may be the previous pass's Accum.
//
// With dst.GBuf set, each pixel's geometry (what its camera ray through
// its centre hits) is written to the G-buffer (see GBufWords); with a
// Pattern, the pixels the pattern leaves out of frame t.Frame are filled
// from dst.Hist without a ray of their own, along the camera and object
// motion of the traced pixels next to them, unless the previous frame's
// geometry there does not match (a disocclusion, another object, a
// silhouette, a camera cut) or the pixels there differ too much (an edge,
// a fine texture): those pixels are traced too. A filled pixel's G-buffer entry is the geometry it was filled
// from, moved into this frame. A filled pixel depends on dst.Hist, which
// holds the previous frame whole: it must not change during the pass.
// Every pixel that is traced is the same bytes as RenderTile without a
// G-buffer writes.
//
// RenderTile returns ErrTile, writing nothing, for a tile outside the
// target, buffers too small, or q out of range. It is safe to call
// concurrently on one Scene, for disjoint tiles of a target.
func (s *Scene) RenderTile(dst Target, t Tile, q Quality) (stats TileStats, err error) {
	if q, err = checkTile(dst, t, q); err != nil {
		return stats, err
	}
	if q.Pattern.Clamped() {
		defer func() {
			if r := recover(); r != nil { // as below
				err = fmt.Errorf("%w: %v", ErrCorrupt, r)
			}
		}()
		if q.Pattern == PatternChecker {
			return s.renderChecker(dst, t, q), nil
		}
		return s.renderSparse(dst, t, q), nil
	}
	if dst.GBuf != nil {
		return s.renderFill(dst, t, q)
	}
	if q.Bilinear && q.PixelStep > 1 {
		return s.renderBilinear(dst, t, q)
	}
	defer func() {
		// Open validated every index, so an out-of-range access can only
		// come from the blob changing afterwards (shared memory written by
		// a faulty process): report it instead of crashing the worker.
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", ErrCorrupt, r)
		}
	}()
	tr := tracer{s: s, f: s.frame(t.Frame)}
	k := q.PixelStep
	g := k * max(1, groupSize/k) // blocks come in groups of about groupSize pixels
	W, H, scale := float64(dst.W), float64(dst.H), tr.f.cam.pixelScale(dst.H)
	rows := rowPath(dst, t, q) // the same for every row of the pass
	for gy := t.Y0 - t.Y0%k; gy < t.Y1; gy += g {
		for gx := t.X0 - t.X0%k; gx < t.X1; gx += g {
			tr.firstRefs(float64(gx), float64(gy), float64(min(gx+g, dst.W)), float64(min(gy+g, dst.H)), W, H, scale)
			for by := gy; by < min(gy+g, t.Y1); by += k {
				if rows {
					n, pix := tr.row(dst, t, q, gx, min(gx+g, t.X1), by, scale)
					stats.Pixels, stats.Samples, stats.Traced = stats.Pixels+uint64(pix), stats.Samples+uint64(n), stats.Traced+uint64(n)
					continue
				}
				for bx := gx; bx < min(gx+g, t.X1); bx += k {
					c := tr.block(dst, t, q, bx, by)
					stats.Pixels += uint64(s.store(dst, t, bx, by, k, c, q.SPP))
					stats.Samples += uint64(q.SPP)
					stats.Traced++
				}
			}
		}
	}
	stats.Rays = tr.rays
	return stats, nil
}

// checkTile validates the arguments of RenderTile and fills defaults.
func checkTile(dst Target, t Tile, q Quality) (Quality, error) {
	const maxSide = 1 << 15
	n := dst.W * dst.H
	switch {
	case dst.W <= 0 || dst.H <= 0 || dst.W > maxSide || dst.H > maxSide:
		return q, fmt.Errorf("%w: target size %dx%d", ErrTile, dst.W, dst.H)
	case len(dst.Pix) < n || (dst.Accum != nil && len(dst.Accum) < 4*n) || (dst.Prev != nil && len(dst.Prev) < 4*n):
		return q, fmt.Errorf("%w: buffers too small for %dx%d", ErrTile, dst.W, dst.H)
	case t.X0 < 0 || t.Y0 < 0 || t.X1 > dst.W || t.Y1 > dst.H || t.X0 >= t.X1 || t.Y0 >= t.Y1:
		return q, fmt.Errorf("%w: tile [%d,%d)x[%d,%d) outside %dx%d", ErrTile, t.X0, t.X1, t.Y0, t.Y1, dst.W, dst.H)
	case q.SPP < 0 || q.SPP > 1<<16 || q.MaxDepth < 0 || q.MaxDepth > 64 || q.PixelStep < 0 || q.PixelStep > 16 || q.Integrator > Path:
		return q, fmt.Errorf("%w: quality %+v out of range", ErrTile, q)
	case t.Sample < 0 || t.Sample > 1<<30:
		return q, fmt.Errorf("%w: first sample %d out of range", ErrTile, t.Sample)
	}
	if err := checkFill(dst, q); err != nil {
		return q, err
	}
	q.SPP, q.PixelStep = max(q.SPP, 1), max(q.PixelStep, 1)
	if q.MaxDepth == 0 {
		q.MaxDepth = 5
		if q.Integrator == Path {
			q.MaxDepth = 8
		}
	}
	return q, nil
}

// block returns the sum of the pass's samples for the k x k block at
// (bx, by). Sample 0 goes through the block's centre; the others are
// jittered over the block.
func (tr *tracer) block(dst Target, t Tile, q Quality, bx, by int) Vec {
	k := q.PixelStep
	w, h := min(k, dst.W-bx), min(k, dst.H-by) // the block may overhang the image
	W, H, scale := float64(dst.W), float64(dst.H), tr.pixelScale(dst.H)
	var sum Vec
	for i := t.Sample; i < t.Sample+q.SPP; i++ {
		tr.seed, tr.seeded = [4]int{t.Frame, bx, by, i}, false
		jx, jy := 0.5, 0.5
		if i > 0 {
			jx, jy = tr.random().Float64(), tr.random().Float64()
		}
		var lens *RNG // a pinhole camera needs no random numbers
		if tr.f.cam.lens > 0 {
			lens = tr.random()
		}
		o, d := tr.f.cam.ray(float64(bx)+jx*float64(w), float64(by)+jy*float64(h), W, H, scale, lens)
		if q.Integrator == Path {
			sum = sum.Add(tr.path(o, d, q.MaxDepth))
		} else {
			sum = sum.Add(tr.whitted(o, d, 0, q.MaxDepth))
		}
	}
	return sum
}

// store writes the block's result to its pixels inside the tile and
// returns how many it wrote. Without accumulators every pixel of the block
// gets the same value, packed once.
func (s *Scene) store(dst Target, t Tile, bx, by, k int, sum Vec, spp int) int {
	x0, x1 := max(bx, t.X0), min(bx+k, t.X1)
	y0, y1 := max(by, t.Y0), min(by+k, t.Y1)
	if dst.Accum == nil {
		// The mean is rounded through float32 as accumulate's is, so that
		// a pixel is the same bytes whether or not its pass keeps sums.
		p := s.pack(mean32(float32(sum.X), float32(sum.Y), float32(sum.Z), float32(spp)))
		for y := y0; y < y1; y++ {
			row := dst.Pix[y*dst.W+x0 : y*dst.W+x1]
			for i := range row {
				row[i] = p
			}
		}
		return (x1 - x0) * (y1 - y0)
	}
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			dst.Pix[y*dst.W+x] = s.pack(accumulate(dst, t, y*dst.W+x, sum, spp))
		}
	}
	return (x1 - x0) * (y1 - y0)
}

// accumulate folds a pass's sum into the accumulators of pixel i, if any,
// and returns the pixel's mean colour.
func accumulate(dst Target, t Tile, i int, sum Vec, spp int) Vec {
	a := dst.Accum[4*i : 4*i+4 : 4*i+4]
	r, g, b, n := float32(sum.X), float32(sum.Y), float32(sum.Z), float32(spp)
	if dst.Prev != nil && t.Sample > 0 {
		p := dst.Prev[4*i : 4*i+4 : 4*i+4]
		r, g, b, n = p[0]+r, p[1]+g, p[2]+b, p[3]+n
	}
	a[0], a[1], a[2], a[3] = r, g, b, n
	return mean32(r, g, b, n)
}

// mean32 returns the mean colour of n samples summing to (r, g, b), or
// black for no samples (n may come from a corrupted accumulator).
func mean32(r, g, b, n float32) Vec {
	if !(n > 0) {
		return Vec{}
	}
	if n == 1 { // the scale below would be by 1: exact, and a division
		return Vec{float64(r), float64(g), float64(b)}
	}
	return Vec{float64(r), float64(g), float64(b)}.Scale(1 / float64(n))
}
