package render

import "math"

// lutSize is the resolution of the linear-to-sRGB table. 2^14 entries keep
// the darkest sRGB codes (1/255 is linear 0.0003) apart.
const lutSize = 1 << 14

// srgbLUT maps linear [0, 1] in lutSize-1 steps to 8-bit sRGB. A table is
// ~30x faster than math.Pow per channel and exactly as deterministic.
var srgbLUT = func() (t [lutSize]uint8) {
	for i := range t {
		v := float64(i) / (lutSize - 1)
		if v <= 0.0031308 {
			v *= 12.92
		} else {
			v = 1.055*math.Pow(v, 1/2.4) - 0.055
		}
		t[i] = uint8(math.Floor(v*255 + 0.5))
	}
	return t
}()

// encode maps a linear channel in [0, 1] to 8-bit sRGB; NaN and values
// outside [0, 1] are clamped (NaN to 0), so no input can index out of range.
func encode(v float64) uint32 {
	if !(v > 0) {
		return 0
	}
	if v >= 1 {
		return 255
	}
	return uint32(srgbLUT[int(v*(lutSize-1)+0.5)])
}

// aces is Narkowicz's fit of the ACES filmic curve: it rolls highlights off
// smoothly instead of clipping them.
func aces(x float64) float64 {
	return (x * (2.51*x + 0.03)) / (x*(2.43*x+0.59) + 0.14)
}

// pack tone maps a linear colour and packs it as R | G<<8 | B<<16 | A<<24
// with A = 255: on a little-endian machine the bytes of a []uint32 of such
// pixels are exactly image.RGBA.Pix.
func (s *Scene) pack(c Vec) uint32 {
	c = c.Scale(s.hdr.Exposure)
	if s.hdr.ToneMap == toneACES {
		c = Vec{aces(c.X), aces(c.Y), aces(c.Z)}
	}
	return encode(c.X) | encode(c.Y)<<8 | encode(c.Z)<<16 | 0xff<<24
}
