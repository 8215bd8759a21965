package render

import (
	"fmt"
	"math"
	"sync"
)

// This file is Quality.Bilinear: a coarse pixel step that looks less like
// blocks. Each block's colour stands at its centre, and a pixel mixes the
// four centres around it. The centres around a tile's edge pixels belong
// to blocks of other tiles: the tile traces those blocks too, with the
// same random numbers (seeded by frame, block and sample), so it gets
// their bytes without reading another tile's pixels, and the image is
// the same whatever the tiling. The ring of extra blocks costs about
// 4/side of a tile side blocks long (6% at the default 64).

// blockColours holds a tile's traced blocks, reused between tiles.
var blockColours = sync.Pool{New: func() any { return new([]uint32) }}

// blockColumn is a pixel column's blocks (left and right, as indices
// into the tile's blocks) and the right one's weight, from fixed8.
type blockColumn struct{ i0, i1, w int }

// blockColumns holds a tile's columns, reused between tiles.
var blockColumns = sync.Pool{New: func() any { return new([]blockColumn) }}

// renderBilinear is RenderTile with Bilinear at a step k > 1, its
// arguments checked.
func (s *Scene) renderBilinear(dst Target, t Tile, q Quality) (stats TileStats, err error) {
	defer func() {
		if r := recover(); r != nil { // as RenderTile
			err = fmt.Errorf("%w: %v", ErrCorrupt, r)
		}
	}()
	k := q.PixelStep
	nbx, nby := (dst.W+k-1)/k, (dst.H+k-1)/k
	// The blocks whose centres surround the tile's pixels (see mixFixed).
	bx0, bx1 := max(centreBelow(t.X0, k), 0), min(centreBelow(t.X1-1, k)+1, nbx-1)
	by0, by1 := max(centreBelow(t.Y0, k), 0), min(centreBelow(t.Y1-1, k)+1, nby-1)
	cols, rows := bx1-bx0+1, by1-by0+1
	buf := blockColours.Get().(*[]uint32)
	defer blockColours.Put(buf)
	if cap(*buf) < cols*rows {
		*buf = make([]uint32, cols*rows)
	}
	c := (*buf)[:cols*rows]
	tr := tracer{s: s, f: s.frame(t.Frame)}
	W, H, scale := float64(dst.W), float64(dst.H), tr.f.cam.pixelScale(dst.H)
	g := max(1, groupSize/k)              // blocks on a side of a group
	staged := q.SPP == 1 && t.Sample == 0 // the blocks take the staged row path (see row)
	for gy := by0; gy <= by1; gy += g {
		for gx := bx0; gx <= bx1; gx += g {
			tr.firstRefs(float64(gx*k), float64(gy*k), float64(min((gx+g)*k, dst.W)), float64(min((gy+g)*k, dst.H)), W, H, scale)
			for by := gy; by < min(gy+g, by1+1); by++ {
				ie := min(gx+g, bx1+1)
				tr.blockRow(dst, t, q, gx, by, c[(by-by0)*cols+gx-bx0:(by-by0)*cols+ie-bx0], staged, scale)
				if by*k >= t.Y0 && by*k < t.Y1 {
					for bx := gx; bx < ie; bx++ {
						if bx*k >= t.X0 && bx*k < t.X1 {
							stats.Traced++ // its own; the others are its neighbours'
						}
					}
				}
			}
		}
	}
	// The columns' blocks and weights, once per tile, not per pixel.
	cbuf := blockColumns.Get().(*[]blockColumn)
	defer blockColumns.Put(cbuf)
	if cap(*cbuf) < t.X1-t.X0 {
		*cbuf = make([]blockColumn, t.X1-t.X0)
	}
	colsAt := (*cbuf)[:t.X1-t.X0]
	for x := range colsAt {
		i, fx := centreOf(t.X0+x, k)
		colsAt[x] = blockColumn{max(i, bx0) - bx0, min(i+1, bx1) - bx0, fixed8(fx)}
	}
	for y := t.Y0; y < t.Y1; y++ {
		j, fy := centreOf(y, k)
		top, bottom := c[(max(j, by0)-by0)*cols:], c[(min(j+1, by1)-by0)*cols:]
		wy := fixed8(fy)
		row := dst.Pix[y*dst.W+t.X0 : y*dst.W+t.X1]
		for x, col := range colsAt {
			row[x] = mixFixed(top[col.i0], top[col.i1], bottom[col.i0], bottom[col.i1], col.w, wy)
		}
	}
	stats.Samples = stats.Traced * uint64(q.SPP)
	stats.Pixels = uint64((t.X1 - t.X0) * (t.Y1 - t.Y0))
	stats.Rays = tr.rays
	return stats, nil
}

// blockRow traces the blocks (bx + i, by) of the pass's pixel step, in
// blocks, into out[i], packed: a row of a group at most groupSize long,
// staged (see row) if the pass has one sample through each block's centre.
func (tr *tracer) blockRow(dst Target, t Tile, q Quality, bx, by int, out []uint32, staged bool, scale float64) {
	k := q.PixelStep
	if staged {
		tr.batch.stride(bx*k, k, len(out))
		tr.colourRow(dst, t, q, by*k, len(out), scale)
		for i := range out {
			out[i] = tr.s.pack(round32(tr.batch.c[i]))
		}
		return
	}
	for i := range out {
		sum := tr.block(dst, t, q, (bx+i)*k, by*k)
		out[i] = tr.s.pack(mean32(float32(sum.X), float32(sum.Y), float32(sum.Z), float32(q.SPP)))
	}
}

// centreOf returns the block whose centre is at or before pixel x's centre
// at step k, and how far x's centre is past it, in blocks.
func centreOf(x, k int) (int, float64) {
	u := (float64(x)+0.5)/float64(k) - 0.5
	i := math.Floor(u)
	return int(i), u - i
}

// centreBelow is centreOf's block.
func centreBelow(x, k int) int {
	i, _ := centreOf(x, k)
	return i
}

// fixed8 returns a fraction in [0, 1] in 8-bit fixed point, 0 to 256.
func fixed8(f float64) int { return min(max(int(f*256+0.5), 0), 256) }

// mixFixed returns the bilinear mix of the packed pixels a (top left), b
// (top right), c and d (bottom) at fractions fx, fy from fixed8: a few integer
// multiplies a channel, for the bilinear steps mix every pixel of a frame.
// (Red and blue in the two halves of one uint64, exact too, ran slower.)
func mixFixed(a, b, c, d uint32, fx, fy int) uint32 {
	x, y := uint32(fx), uint32(fy)
	wa, wb, wc, wd := (256-x)*(256-y), x*(256-y), (256-x)*y, x*y // they add up to 1<<16
	r := (a&0xff*wa + b&0xff*wb + c&0xff*wc + d&0xff*wd + 1<<15) >> 16
	g := (a>>8&0xff*wa + b>>8&0xff*wb + c>>8&0xff*wc + d>>8&0xff*wd + 1<<15) >> 16
	bl := (a>>16&0xff*wa + b>>16&0xff*wb + c>>16&0xff*wc + d>>16&0xff*wd + 1<<15) >> 16
	return r | g<<8 | bl<<16 | 0xff<<24
}
