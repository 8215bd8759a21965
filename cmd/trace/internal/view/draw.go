package view

import (
	"bytes"
	"image"
	"strconv"
)

// cells is a preview of a frame scaled to fit a terminal: tw x th pixels,
// 3 bytes (RGB) each, drawn two pixel rows per character cell.
type cells struct {
	tw, th int
	rgb    []byte // reused
}

// fit returns the preview size for a w x h frame in a terminal of cols x
// rows cells: the largest that fits, scaled down or up, keeping the aspect
// ratio (a cell shows one pixel across and two down, which is about square).
// One row is kept for the status line and the last column is left empty,
// because writing there puts some terminals in a pending-wrap state that
// breaks "\x1b[K".
func fit(w, h, cols, rows int) (tw, th int) {
	maxW, maxH := max(cols-1, 1), max(2*(rows-1), 2)
	if w*maxH <= h*maxW { // the height bounds it
		return max(w*maxH/h, 1), maxH
	}
	return maxW, max(h*maxW/w, 1)
}

// scale resamples img (which output.CheckFrame has accepted) to tw x th: a
// box filter when it shrinks, the nearest pixel when it grows. Each preview
// pixel averages at most 4x4 evenly spaced samples of its source rectangle,
// so the cost is bounded by the preview size, not the frame size.
func (c *cells) scale(img *image.RGBA, tw, th int) {
	c.tw, c.th = tw, th
	if n := 3 * tw * th; cap(c.rgb) < n {
		c.rgb = make([]byte, n)
	} else {
		c.rgb = c.rgb[:n]
	}
	w, h := img.Rect.Dx(), img.Rect.Dy()
	for ty := range th {
		y0, y1 := span(ty, th, h)
		for tx := range tw {
			x0, x1 := span(tx, tw, w)
			r, g, b := average(img, x0, x1, y0, y1)
			c.rgb[3*(ty*tw+tx)], c.rgb[3*(ty*tw+tx)+1], c.rgb[3*(ty*tw+tx)+2] = r, g, b
		}
	}
}

// span returns the source range [lo, hi) of preview index i of n over size.
func span(i, n, size int) (lo, hi int) {
	lo, hi = i*size/n, (i+1)*size/n
	return lo, max(hi, lo+1)
}

// average returns the mean colour of up to 4x4 samples in [x0,x1)x[y0,y1).
func average(img *image.RGBA, x0, x1, y0, y1 int) (r, g, b uint8) {
	sx, sy := max((x1-x0)/4, 1), max((y1-y0)/4, 1)
	var sr, sg, sb, n int
	for y := y0; y < y1; y += sy {
		off := img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y+y)
		for x := x0; x < x1; x += sx {
			p := img.Pix[off+4*x : off+4*x+3]
			sr, sg, sb, n = sr+int(p[0]), sg+int(p[1]), sb+int(p[2]), n+1
		}
	}
	return uint8(sr / n), uint8(sg / n), uint8(sb / n)
}

// ANSI sequences used by the terminal view.
const (
	escHome       = "\x1b[H"
	escClear      = "\x1b[2J"
	escHideCursor = "\x1b[?25l"
	escShowCursor = "\x1b[?25h"
	escReset      = "\x1b[0m"
	escClearLine  = "\x1b[K"
	escClearBelow = "\x1b[J"
	upperHalf     = "▀"
)

// appendANSI appends the whole preview as truecolour text, each line of
// cells ending the line.
func (c *cells) appendANSI(buf []byte) []byte {
	for ty := 0; ty < c.th; ty += 2 {
		buf = c.appendRow(buf, ty)
		buf = append(buf, escReset+escClearLine+"\r\n"...)
	}
	return buf
}

// appendRow appends the line of cells that shows pixel rows ty and ty+1:
// each cell is an upper half block whose foreground is the upper pixel and
// background the lower. Colours are sent only when they change from the
// previous cell, which roughly halves the output for smooth images.
func (c *cells) appendRow(buf []byte, ty int) []byte {
	fg, bg := [3]byte{}, [3]byte{}
	fresh := true       // no colour set yet on this line
	odd := ty+1 >= c.th // odd height: the last line has no lower pixel
	if odd {
		buf = append(buf, "\x1b[49m"...) // the terminal's own background
	}
	for tx := range c.tw {
		up := c.pixel(tx, ty)
		if fresh || up != fg {
			buf, fg = appendColor(buf, 38, up), up
		}
		if lo := c.pixel(tx, min(ty+1, c.th-1)); !odd && (fresh || lo != bg) {
			buf, bg = appendColor(buf, 48, lo), lo
		}
		fresh = false
		buf = append(buf, upperHalf...)
	}
	return buf
}

// sameRow reports whether c and o, previews of the same size, show the same
// pixels in the line of cells of pixel rows ty and ty+1.
func (c *cells) sameRow(o *cells, ty int) bool {
	lo, hi := 3*ty*c.tw, 3*min(ty+2, c.th)*c.tw
	return bytes.Equal(c.rgb[lo:hi], o.rgb[lo:hi])
}

// appendCursor appends the sequence that moves the cursor to row, col
// (counted from 1).
func appendCursor(buf []byte, row, col int) []byte {
	buf = append(buf, "\x1b["...)
	buf = strconv.AppendInt(buf, int64(row), 10)
	buf = append(buf, ';')
	buf = strconv.AppendInt(buf, int64(col), 10)
	return append(buf, 'H')
}

func (c *cells) pixel(x, y int) [3]byte {
	i := 3 * (y*c.tw + x)
	return [3]byte(c.rgb[i : i+3])
}

// appendColor appends "ESC[38;2;R;G;Bm" (layer 38, foreground) or the
// background form (layer 48).
func appendColor(buf []byte, layer int, c [3]byte) []byte {
	buf = append(buf, "\x1b["...)
	buf = strconv.AppendInt(buf, int64(layer), 10)
	buf = append(buf, ";2"...)
	for _, v := range c {
		buf = append(buf, ';')
		buf = strconv.AppendUint(buf, uint64(v), 10)
	}
	return append(buf, 'm')
}
