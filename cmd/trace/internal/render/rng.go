package render

// RNG is a small counter-based random number generator (SplitMix64). Each
// (frame, x, y, sample) tuple seeds its own stream, so a pixel's samples
// depend on nothing else: not on the tile it is rendered in, not on the
// order of tiles, not on the process. There is no global state. An RNG is a
// value; copy it to fork a stream. It is not safe for concurrent use.
type RNG struct{ state uint64 }

// NewRNG returns the stream for one sample of one pixel of one frame.
func NewRNG(frame, x, y, sample int) RNG {
	h := mix(uint64(frame) ^ 0x5851f42d4c957f2d)
	h = mix(h ^ uint64(uint32(x)) ^ uint64(uint32(y))<<32)
	return RNG{mix(h ^ uint64(sample))}
}

// Uint64 returns the next 64 random bits.
func (r *RNG) Uint64() uint64 {
	r.state += 0x9e3779b97f4a7c15
	return mix(r.state)
}

// Float64 returns a number in [0, 1) with 53 random bits.
func (r *RNG) Float64() float64 { return float64(r.Uint64()>>11) * 0x1p-53 }

// mix is the SplitMix64 finaliser.
func mix(x uint64) uint64 {
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}
