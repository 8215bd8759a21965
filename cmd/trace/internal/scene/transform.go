package scene

import "math"

// Transform places an object in the world: scale first, then rotate about
// the X, Y and Z axes in that order (degrees, right-handed), then translate.
// The identity is Transform{Scale: Vec3{1, 1, 1}}.
type Transform struct {
	Translate Vec3
	Rotate    Vec3 // degrees about X, then Y, then Z
	Scale     Vec3 // every component > 0
}

// Identity is the transform that leaves everything in place.
var Identity = Transform{Scale: Vec3{1, 1, 1}}

// Matrix is an affine transform as the top three rows of a 4x4 matrix in
// row-major order: p' = (M[0]x+M[1]y+M[2]z+M[3], M[4]x+..., M[8]x+...).
// It is pointer-free, so it may live in shared memory.
type Matrix [12]float64

// Matrix returns t as a matrix.
func (t Transform) Matrix() Matrix {
	r := rotation(t.Rotate)
	s := t.Scale
	return Matrix{
		r[0] * s.X, r[1] * s.Y, r[2] * s.Z, t.Translate.X,
		r[3] * s.X, r[4] * s.Y, r[5] * s.Z, t.Translate.Y,
		r[6] * s.X, r[7] * s.Y, r[8] * s.Z, t.Translate.Z,
	}
}

// rotation returns Rz * Ry * Rx for angles in degrees, row-major 3x3.
func rotation(deg Vec3) [9]float64 {
	sx, cx := math.Sincos(deg.X * math.Pi / 180)
	sy, cy := math.Sincos(deg.Y * math.Pi / 180)
	sz, cz := math.Sincos(deg.Z * math.Pi / 180)
	return [9]float64{
		cz * cy, cz*sy*sx - sz*cx, cz*sy*cx + sz*sx,
		sz * cy, sz*sy*sx + cz*cx, sz*sy*cx - cz*sx,
		-sy, cy * sx, cy * cx,
	}
}

// Point applies m to the point p.
func (m Matrix) Point(p Vec3) Vec3 {
	return Vec3{
		m[0]*p.X + m[1]*p.Y + m[2]*p.Z + m[3],
		m[4]*p.X + m[5]*p.Y + m[6]*p.Z + m[7],
		m[8]*p.X + m[9]*p.Y + m[10]*p.Z + m[11],
	}
}

// Dir applies the linear part of m to the direction d (no translation).
func (m Matrix) Dir(d Vec3) Vec3 {
	return Vec3{
		m[0]*d.X + m[1]*d.Y + m[2]*d.Z,
		m[4]*d.X + m[5]*d.Y + m[6]*d.Z,
		m[8]*d.X + m[9]*d.Y + m[10]*d.Z,
	}
}

// Inverse returns the inverse of m. A singular m (which Parse never
// produces) gives non-finite entries rather than a panic.
func (m Matrix) Inverse() Matrix {
	a, b, c := m[0], m[1], m[2]
	d, e, f := m[4], m[5], m[6]
	g, h, k := m[8], m[9], m[10]
	ca, cb, cc := e*k-f*h, f*g-d*k, d*h-e*g
	inv := 1 / (a*ca + b*cb + c*cc)
	r := [9]float64{
		ca * inv, (c*h - b*k) * inv, (b*f - c*e) * inv,
		cb * inv, (a*k - c*g) * inv, (c*d - a*f) * inv,
		cc * inv, (b*g - a*h) * inv, (a*e - b*d) * inv,
	}
	t := Vec3{m[3], m[7], m[11]}
	return Matrix{
		r[0], r[1], r[2], -(r[0]*t.X + r[1]*t.Y + r[2]*t.Z),
		r[3], r[4], r[5], -(r[3]*t.X + r[4]*t.Y + r[5]*t.Z),
		r[6], r[7], r[8], -(r[6]*t.X + r[7]*t.Y + r[8]*t.Z),
	}
}

// Normal transforms the object-space normal n to world space and
// normalises it. m must be the world-to-object matrix (the inverse of the
// object's transform): normals transform by the inverse transpose.
func (m Matrix) Normal(n Vec3) Vec3 {
	return Vec3{
		m[0]*n.X + m[4]*n.Y + m[8]*n.Z,
		m[1]*n.X + m[5]*n.Y + m[9]*n.Z,
		m[2]*n.X + m[6]*n.Y + m[10]*n.Z,
	}.Normalize()
}
