package output

// The GIF palette is fixed: 6 levels of red x 7 of green x 6 of blue, 252
// colours, green getting the extra level because the eye resolves it best.
// A fixed palette costs a table lookup per channel, needs no per-frame
// analysis, and keeps colours stable from frame to frame; a median-cut
// palette per frame would make flat areas flicker as the palette shifts.
//
// The coarse levels are hidden by ordered (8x8 Bayer) dithering rather than
// Floyd-Steinberg error diffusion: its pattern is tied to the pixel position,
// so static parts of an animation stay identical between frames (no
// "crawling" noise, and LZW compresses them better), and it is branch-free.
const (
	levelsR, levelsG, levelsB = 6, 7, 6
	paletteLen                = levelsR * levelsG * levelsB
)

// gifPalette returns the 256-entry RGB colour table, the 252 palette colours
// followed by black padding (a GIF table has a power-of-two size).
func gifPalette() [256 * 3]byte {
	var t [256 * 3]byte
	for i := 0; i < paletteLen; i++ {
		r, g, b := i/(levelsG*levelsB), i/levelsB%levelsG, i%levelsB
		t[3*i+0] = level(r, levelsR)
		t[3*i+1] = level(g, levelsG)
		t[3*i+2] = level(b, levelsB)
	}
	return t
}

// level returns the 8-bit value of step q of n evenly spaced levels.
func level(q, n int) byte {
	return byte((q*255 + (n-1)/2) / (n - 1))
}

// quantizer maps RGBA pixels to palette indices with ordered dithering. Its
// tables give, for each of the 64 Bayer thresholds and each 8-bit value, the
// channel's contribution to the palette index, so that mapping a pixel is
// three loads and two adds.
type quantizer struct {
	r, g, b [64][256]uint8
}

// newQuantizer builds the tables (48 KiB) once per sink.
func newQuantizer() *quantizer {
	q := &quantizer{}
	bayer := bayer8()
	for t, m := range bayer {
		for v := range 256 {
			q.r[t][v] = dither(v, m, levelsR) * levelsG * levelsB
			q.g[t][v] = dither(v, m, levelsG) * levelsB
			q.b[t][v] = dither(v, m, levelsB)
		}
	}
	return q
}

// dither quantizes v to one of n levels with Bayer rank m (0..63):
// floor(v*(n-1)/255 + (m+0.5)/64), clamped. Averaged over the 64 ranks it
// reproduces v*(n-1)/255, so dithered areas keep their mean colour.
func dither(v, m, n int) uint8 {
	q := (v*(n-1)*128 + (2*m+1)*255) / (255 * 128)
	return uint8(min(q, n-1))
}

// bayer8 returns the 8x8 Bayer matrix in row-major order, built by the usual
// recursion M(2n) = [4M 4M+2; 4M+3 4M+1].
func bayer8() [64]int {
	m := []int{0}
	for n := 1; n < 8; n *= 2 {
		next := make([]int, 4*n*n)
		for y := range n {
			for x := range n {
				v := 4 * m[y*n+x]
				next[y*2*n+x] = v
				next[y*2*n+x+n] = v + 2
				next[(y+n)*2*n+x] = v + 3
				next[(y+n)*2*n+x+n] = v + 1
			}
		}
		m = next
	}
	return [64]int(m)
}

// row maps one row of RGBA pixels (src, 4 bytes each) at image row y to
// palette indices in dst, which must be len(src)/4 long.
func (q *quantizer) row(dst, src []byte, y int) {
	base := (y & 7) * 8
	for x := range dst {
		t := base + x&7
		p := src[4*x : 4*x+3 : 4*x+3]
		dst[x] = q.r[t][p[0]] + q.g[t][p[1]] + q.b[t][p[2]]
	}
}
