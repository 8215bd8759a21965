package render

// This file holds the box primitive's test (the sphere and triangle tests
// are written out in tracer.leaf), in float64.

// slab returns the entry and exit distances of the ray o + t/inv through
// the slab [min, max] of one axis.
func slab(min, max, o, inv float64) (lo, hi float64) {
	a, b := (min-o)*inv, (max-o)*inv
	if a > b {
		return b, a
	}
	return a, b
}

// fmin and fmax are min and max without the NaN and signed-zero rules of
// the built-ins, for the box primitive's test.
func fmin(a, b float64) float64 {
	if a < b {
		return a
	}
	return b
}

func fmax(a, b float64) float64 {
	if a > b {
		return a
	}
	return b
}

// hit is the slab test; from inside the box it finds the exit.
func (bx *box) hit(r *ray, h *hit, ref uint32) bool {
	lo, hi := slab(bx.Min.X, bx.Max.X, r.o.X, r.inv.X)
	ylo, yhi := slab(bx.Min.Y, bx.Max.Y, r.o.Y, r.inv.Y)
	zlo, zhi := slab(bx.Min.Z, bx.Max.Z, r.o.Z, r.inv.Z)
	lo, hi = fmax(lo, fmax(ylo, zlo)), fmin(hi, fmin(yhi, zhi))
	if hi < lo {
		return false
	}
	t := lo
	if t <= tMin {
		t = hi
	}
	if t > tMin && t < h.t {
		h.t, h.ref = t, ref
		return true
	}
	return false
}
