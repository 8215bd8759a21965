package scene

import "math"

// mix is the SplitMix64 finaliser: a fast, well-distributed 64-bit hash. It
// drives every procedural choice, so a scene's geometry depends only on its
// seeds, never on global state.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// unit maps a hash of the inputs to [0, 1).
func unit(seed uint64, a, b int) float64 {
	h := mix(seed ^ mix(uint64(a)^mix(uint64(b))))
	return float64(h>>11) / (1 << 53)
}

// valueNoise is smooth lattice noise in [0, 1).
func valueNoise(seed uint64, x, z float64) float64 {
	fx, fz := math.Floor(x), math.Floor(z)
	ix, iz := int(fx), int(fz)
	tx, tz := fade(x-fx), fade(z-fz)
	a := unit(seed, ix, iz) + (unit(seed, ix+1, iz)-unit(seed, ix, iz))*tx
	b := unit(seed, ix, iz+1) + (unit(seed, ix+1, iz+1)-unit(seed, ix, iz+1))*tx
	return a + (b-a)*tz
}

// fade is the quintic smoothstep, which keeps noise normals continuous.
func fade(t float64) float64 { return t * t * t * (t*(t*6-15) + 10) }

// fbm sums octaves of value noise (lacunarity 2, gain 0.5), normalised to
// [0, 1).
func fbm(seed uint64, x, z float64, octaves int) float64 {
	sum, amp, norm := 0.0, 1.0, 0.0
	for o := range octaves {
		sum += amp * valueNoise(seed+uint64(o), x, z)
		norm += amp
		amp, x, z = amp/2, x*2, z*2
	}
	return sum / norm
}
