package render

import (
	"math"
	"unsafe"
)

// This file is the box test of traversal, in float32 like the boxes, and
// the per-ray data it needs. The distance to a plane b along an axis is
// b*inv + c with c = -o*inv precomputed per ray: a multiply and an add
// that leave the ray's values in place, cheaper in scalar code than
// (b - o) * inv. The test clamps entry distances below at 0 and exit
// distances above at the ray's end, and compares them as bits (see bits).
//
// A box test must never miss a box the exact ray enters (a hole in a
// surface), so its roundings all lean outwards (after Ize, "Robust BVH ray
// traversal", JCGT 2013). Rounding inv, c, the product and the sum to
// float32 errs by at most 3 ulps of |t| plus 3 ulps of |c|: entry
// distances use c lowered by 8 ulps of |c|, exit distances c raised by as
// much and then, like the product, stretched by 16 ulps. Erring outwards
// costs a rare extra box, never a missed hit.

// exitPad stretches exit distances.
const exitPad = 1 + 0x1p-20

// slack is the relative amount by which c is moved outwards.
const slack = 0x1p-21

// ray is a ray with what the box test needs, per axis: which bound is the
// near plane (sel: 0 for lo, 1 for hi), and the factors and offsets of
// entry and exit distances; and the ray's octant (bit a set when the
// direction is negative on axis a) for the visiting order of wide nodes;
// and where the near and far planes of each axis lie in a wideNode.
type ray struct {
	o, d, inv Vec
	a, ia     float64       // |d|^2 and its reciprocal
	mul, add  [2][3]float32 // [entry, exit][axis]
	sel       [3]uint8
	oct       uint8        // flipped for a shadow ray's far-first order (see occludedTree)
	planes    [2][3]uint32 // [near, far][axis]: byte offsets of a wideNode's planes
	boxed     bool         // inv and the box-test data are set (see prepare)
}

// set makes r the ray from o along the unit direction d, ready for box
// tests. It writes r in place: a ray is too big to return by value without
// copies that the hardware then stalls on.
func (r *ray) set(o, d Vec) {
	r.setLine(o, d)
	r.prepare()
}

// setLine makes r the ray from o along the unit direction d for sphere,
// triangle and plane tests only: a shadow ray tested against a light
// buffer's list may need no box data at all (see tracer.leaf).
func (r *ray) setLine(o, d Vec) {
	r.o, r.d, r.a, r.ia, r.boxed = o, d, 1, 1, false
}

// prepare sets the ray's reciprocals and box-test data, once.
func (r *ray) prepare() {
	if r.boxed {
		return
	}
	o := r.o
	r.inv, r.boxed = reciprocals(r.d), true
	r.mul[0][0], r.add[0][0], r.mul[1][0], r.add[1][0] = distances(o.X, r.inv.X)
	r.mul[0][1], r.add[0][1], r.mul[1][1], r.add[1][1] = distances(o.Y, r.inv.Y)
	r.mul[0][2], r.add[0][2], r.mul[1][2], r.add[1][2] = distances(o.Z, r.inv.Z)
	sx, sy, sz := sign(r.inv.X), sign(r.inv.Y), sign(r.inv.Z)
	r.sel = [3]uint8{sx, sy, sz}
	r.oct = sx | sy<<1 | sz<<2
	for a, sa := range r.sel {
		r.planes[0][a], r.planes[1][a] = planeOffset(sa, a), planeOffset(sa^1, a)
	}
}

// planeOffset returns the byte offset in a wideNode of Box[bound][axis].
func planeOffset(bound uint8, axis int) uint32 {
	return uint32(bound)*uint32(unsafe.Sizeof([3][4]float32{})) + uint32(axis)*uint32(unsafe.Sizeof([4]float32{}))
}

// setScaled makes r the ray from o along d of any length, without the
// box data: an instance of one primitive has no tree to walk, and its
// rays need none (walk prepares rays for trees that have nodes).
func (r *ray) setScaled(o, d Vec) {
	r.setLine(o, d)
	r.a = d.Dot(d)
	r.ia = 1 / r.a
}

// distances returns one axis's factors and offsets of entry and of exit
// distances, for origin o and reciprocal inv.
func distances(o, inv float64) (em, ea, xm, xa float32) {
	c := -o * inv
	e := math.Abs(c) * slack
	return float32(inv), float32(c - e), float32(inv * exitPad), float32((c + e) * exitPad)
}

// sign returns 1 for a negative x, 0 otherwise.
func sign(x float64) uint8 { return uint8(math.Float64bits(x) >> 63) }

// reciprocals returns 1/d per component, with components nearer zero than
// minDir moved out to it (keeping their sign) so that no reciprocal is
// infinite. Three divisions run in parallel: one division and products
// would take fewer instructions but longer, and the box test waits.
func reciprocals(d Vec) Vec {
	if d.X*d.X < minDir*minDir || d.Y*d.Y < minDir*minDir || d.Z*d.Z < minDir*minDir {
		d = Vec{away(d.X), away(d.Y), away(d.Z)}
	}
	return Vec{1 / d.X, 1 / d.Y, 1 / d.Z}
}

// minDir bounds direction components away from zero, so that reciprocals
// are finite, b * inv is never 0 * Inf (NaN) but at worst enters an extra
// box, and o * inv stays far inside the float32 range.
const minDir = 1e-20

func away(x float64) float64 { return math.Copysign(max(math.Abs(x), minDir), x) }

// limit returns the bound, as bits, on entry distances for boxes that may
// hold a hit closer than t: t rounded to float32, then stretched like an
// exit.
func (r *ray) limit(t float64) int32 { return bits(float32(t) * exitPad) }

// bits returns the bits of f as an int32. For non-negative floats (and
// +Inf) the bits order as the values do; a negative float, with its sign
// bit set, is a negative int32, below them all. So clamping an entry
// distance below at 0 and an exit distance above at the ray's end, and
// comparing them, give the same answers on bits as on floats: a negative
// exit (a box behind the ray) stays below every entry.
func bits(f float32) int32 { return int32(math.Float32bits(f)) }

// enters reports whether the ray enters b before it leaves and before
// tmax: the test of traversal.push for one box.
func (b *box32) enters(r *ray, tmax int32) bool {
	nx, ny, nz := r.sel[0]&1, r.sel[1]&1, r.sel[2]&1
	t := max(bits(b[nx][0]*r.mul[0][0]+r.add[0][0]), bits(b[ny][1]*r.mul[0][1]+r.add[0][1]), bits(b[nz][2]*r.mul[0][2]+r.add[0][2]), 0)
	return t <= min(bits(b[nx^1][0]*r.mul[1][0]+r.add[1][0]), bits(b[ny^1][1]*r.mul[1][1]+r.add[1][1]), bits(b[nz^1][2]*r.mul[1][2]+r.add[1][2]), tmax)
}
