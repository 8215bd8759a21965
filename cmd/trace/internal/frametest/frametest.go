// Package frametest makes deterministic synthetic frames for the tests and
// benchmarks of the trace CLI's output packages, so that they do not depend
// on the renderer.
//
// The pictures look roughly like a render (a sky gradient, a checkered floor,
// a shaded ball that moves with the frame number, a little noise), which
// matters for benchmarks: compressors and palette quantizers run much faster
// on flat test patterns than on real frames.
package frametest

import "image"

// New returns a w x h opaque frame for frame number frame. The same arguments
// always give the same bytes. Each call allocates a fresh image.
func New(w, h, frame int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	Fill(img, frame)
	return img
}

// Fill paints frame number frame into img, overwriting every pixel, and
// sets alpha to 255. It allocates nothing.
func Fill(img *image.RGBA, frame int) {
	b := img.Rect
	w, h := b.Dx(), b.Dy()
	cx, cy, r := ball(w, h, frame)
	for y := 0; y < h; y++ {
		row := img.Pix[img.PixOffset(b.Min.X, b.Min.Y+y):]
		for x := 0; x < w; x++ {
			cr, cg, cb := shade(x, y, w, h, cx, cy, r)
			n := noise(x, y, frame)
			row[4*x+0] = clamp(cr + n)
			row[4*x+1] = clamp(cg + n)
			row[4*x+2] = clamp(cb + n)
			row[4*x+3] = 255
		}
	}
}

// ball places the ball for a frame: it travels left to right and back.
func ball(w, h, frame int) (cx, cy, r int) {
	r = max(1, min(w, h)/5)
	span := max(1, w-2*r)
	pos := (frame * 7) % (2 * span)
	if pos >= span {
		pos = 2*span - pos
	}
	return r + pos, h / 2, r
}

// shade returns the colour of the scene at (x, y) before noise.
func shade(x, y, w, h, cx, cy, r int) (int, int, int) {
	dx, dy := x-cx, y-cy
	if d2 := dx*dx + dy*dy; d2 < r*r {
		// A lit sphere: brighter towards the upper left.
		l := 255 - (d2*120)/(r*r) - (dx+dy)*60/(2*r)
		return l, l * 3 / 5, l / 4
	}
	if y > h*3/5 {
		if ((x*8/max(w, 1))+(y*16/max(h, 1)))%2 == 0 {
			return 200, 200, 200
		}
		return 40, 60, 90
	}
	t := y * 255 / max(h, 1)
	return 90 + t/4, 140 + t/5, 255 - t/6
}

// noise is a small deterministic dither, like a path tracer's sampling noise.
func noise(x, y, frame int) int {
	v := uint32(x)*73856093 ^ uint32(y)*19349663 ^ uint32(frame)*83492791
	v ^= v >> 13
	v *= 0x5bd1e995
	v ^= v >> 15
	return int(v%9) - 4
}

func clamp(v int) uint8 {
	return uint8(min(max(v, 0), 255))
}
