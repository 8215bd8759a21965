package output

import "image"

// BT.601 RGB -> Y'CbCr in limited ("studio", "tv") range: Y' in 16..235,
// Cb and Cr in 16..240, which is what ffmpeg assumes for YUV4MPEG2 input and
// what H.264 players expect. Coefficients are the analogue ones (Kr = 0.299,
// Kb = 0.114) scaled by 219/255 (luma) or 224/255 (chroma) and by 2^16, then
// rounded; each chroma row is adjusted to sum to exactly 0 so that greys map
// to 128 without error. TestCoefficients recomputes them.
const (
	yR, yG, yB    = 16829, 33039, 6416
	cbR, cbG, cbB = -9714, -19070, 28784
	crR, crG, crB = 28784, -24103, -4681
	fix           = 16 // fractional bits
)

// luma converts one row of RGBA pixels into Y' samples: len(dst) pixels.
func luma(dst, src []byte) {
	// The loop shape lets the compiler drop all bounds checks.
	for x, j := 0, 0; x < len(dst) && j+4 <= len(src); x, j = x+1, j+4 {
		p := src[j : j+4]
		r, g, b := int32(p[0]), int32(p[1]), int32(p[2])
		dst[x] = uint8((yR*r + yG*g + yB*b + (16<<fix + 1<<(fix-1))) >> fix)
	}
}

// chroma444 converts one row of RGBA pixels into Cb and Cr samples.
func chroma444(cb, cr, src []byte) {
	cr = cr[:len(cb)]
	for x, j := 0, 0; x < len(cb) && j+4 <= len(src); x, j = x+1, j+4 {
		p := src[j : j+4]
		r, g, b := int32(p[0]), int32(p[1]), int32(p[2])
		cb[x] = uint8((cbR*r + cbG*g + cbB*b + (128<<fix + 1<<(fix-1))) >> fix)
		cr[x] = uint8((crR*r + crG*g + crB*b + (128<<fix + 1<<(fix-1))) >> fix)
	}
}

// chroma420 converts two rows of RGBA pixels (w pixels each) into one row
// of Cb and Cr samples, each the average of a 2x2 block: with the JPEG
// ("420jpeg") siting the chroma sample sits at the block's centre, so the box
// average is the right filter. The conversion is linear, so summing RGB first
// and converting once per block gives the same result as averaging the four
// pixels' chroma. For an odd width the last column is counted twice.
func chroma420(cb, cr, top, bot []byte, w int) {
	pairs := w / 2
	top, bot = top[:4*w], bot[:4*w]
	cb, cr = cb[:(w+1)/2], cr[:(w+1)/2]
	for x, j := 0, 0; x < pairs && j+8 <= len(top) && j+8 <= len(bot); x, j = x+1, j+8 {
		a := top[j : j+8]
		c := bot[j : j+8]
		r := int32(a[0]) + int32(a[4]) + int32(c[0]) + int32(c[4])
		g := int32(a[1]) + int32(a[5]) + int32(c[1]) + int32(c[5])
		b := int32(a[2]) + int32(a[6]) + int32(c[2]) + int32(c[6])
		cb[x], cr[x] = block(r, g, b)
	}
	if w%2 == 1 {
		a, c := top[4*w-4:], bot[4*w-4:]
		r := 2 * (int32(a[0]) + int32(c[0]))
		g := 2 * (int32(a[1]) + int32(c[1]))
		b := 2 * (int32(a[2]) + int32(c[2]))
		cb[pairs], cr[pairs] = block(r, g, b)
	}
}

// block converts the RGB sums of four pixels into one Cb, Cr pair.
func block(r, g, b int32) (uint8, uint8) {
	const shift = fix + 2 // the sums are 4x
	const bias = 128<<shift + 1<<(shift-1)
	return uint8((cbR*r + cbG*g + cbB*b + bias) >> shift),
		uint8((crR*r + crG*g + crB*b + bias) >> shift)
}

// frameTag starts every frame of a YUV4MPEG2 stream.
const frameTag = "FRAME\n"

// planes holds a reused frame of planar Y'CbCr samples, laid out as
// YUV4MPEG2 wants them: the frame tag, all Y', all Cb, then all Cr. Keeping
// the tag in the same buffer lets a frame go out in one write system call,
// with no copy through the bufio.Writer.
type planes struct {
	w, h   int
	cw, ch int    // chroma plane size
	buf    []byte // frameTag and the three planes
}

func newPlanes(w, h int, c Chroma) *planes {
	p := &planes{w: w, h: h, cw: w, ch: h}
	if c == Chroma420 {
		p.cw, p.ch = (w+1)/2, (h+1)/2
	}
	p.buf = make([]byte, len(frameTag)+w*h+2*p.cw*p.ch)
	copy(p.buf, frameTag)
	return p
}

// convert fills the planes from img, which checkFrame has accepted.
func (p *planes) convert(img *image.RGBA) {
	ys := p.buf[len(frameTag) : len(frameTag)+p.w*p.h]
	cbs := p.buf[len(frameTag)+p.w*p.h : len(frameTag)+p.w*p.h+p.cw*p.ch]
	crs := p.buf[len(frameTag)+p.w*p.h+p.cw*p.ch:]
	for y := range p.h {
		luma(ys[y*p.w:(y+1)*p.w], row(img, y, p.w))
	}
	if p.cw == p.w && p.ch == p.h {
		for y := range p.h {
			chroma444(cbs[y*p.w:(y+1)*p.w], crs[y*p.w:(y+1)*p.w], row(img, y, p.w))
		}
		return
	}
	for cy := range p.ch {
		top := row(img, 2*cy, p.w)
		bot := row(img, min(2*cy+1, p.h-1), p.w) // odd height: repeat the last row
		chroma420(cbs[cy*p.cw:(cy+1)*p.cw], crs[cy*p.cw:(cy+1)*p.cw], top, bot, p.w)
	}
}
