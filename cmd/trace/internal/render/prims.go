package render

import "math"

// This file holds the ray-primitive tests of BVH leaves, in float64.

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

// The tests below compute everything and decide with one branch, on the
// OR of the sign bits of the quantities that must be non-negative: a ray
// misses most primitives it is tested against, at random, and a branch per
// condition would be mispredicted about as often as taken.

// neg returns x's bits, whose top bit is x's sign.
func neg(x float64) uint64 { return math.Float64bits(x) }

// hit is the Moller-Trumbore test with the division deferred: the
// barycentrics and the distance are compared scaled by the determinant,
// and divided only for a hit.
func (t *triangle) hit(r *ray, h *hit, ref uint32) bool {
	p := r.d.Cross(t.E2)
	det := t.E1.Dot(p)
	adet := math.Abs(det)
	sgn := math.Copysign(1, det)
	s := r.o.Sub(t.A)
	u := s.Dot(p) * sgn
	q := s.Cross(t.E1)
	v := r.d.Dot(q) * sgn
	d := t.E2.Dot(q) * sgn
	if (neg(u)|neg(v)|neg(adet-u-v)|neg(d-tMin*adet)|neg(h.t*adet-d)|neg(adet-1e-12))>>63 != 0 {
		return false
	}
	inv := 1 / adet
	h.t, h.u, h.v, h.ref = d*inv, u*inv, v*inv, ref
	return true
}

// hit solves |o + t*d - c| = r with a = |d|^2 (1 for world rays, whose
// directions are unit) and ia = 1/a from the ray: no division. A miss
// takes the square root of a negative number, NaN, which fails every
// comparison.
func (s *sphere) hit(r *ray, h *hit, ref uint32) bool {
	oc := r.o.Sub(s.Center)
	b := oc.Dot(r.d)
	c := oc.Dot(oc) - s.Radius*s.Radius
	sq := math.Sqrt(b*b - r.a*c)
	t := (-b - sq) * r.ia
	if t <= tMin { // inside the sphere, rarely
		t = (-b + sq) * r.ia
	}
	if (neg(t-tMin)|neg(h.t-t))>>63 != 0 || t != t {
		return false
	}
	h.t, h.ref = t, ref
	return true
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
