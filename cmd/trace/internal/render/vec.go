package render

import "math"

// Vec is a point, a direction or a linear RGB colour. It is a small value
// type in the style of fogleman/pt: every method returns a new Vec, and the
// compiler keeps them in registers. Its layout matches scene.Vec3, so the
// two convert with a plain conversion.
type Vec struct{ X, Y, Z float64 }

// Add returns a + b.
func (a Vec) Add(b Vec) Vec { return Vec{a.X + b.X, a.Y + b.Y, a.Z + b.Z} }

// Sub returns a - b.
func (a Vec) Sub(b Vec) Vec { return Vec{a.X - b.X, a.Y - b.Y, a.Z - b.Z} }

// Mul returns the component-wise product of a and b.
func (a Vec) Mul(b Vec) Vec { return Vec{a.X * b.X, a.Y * b.Y, a.Z * b.Z} }

// Scale returns a * s.
func (a Vec) Scale(s float64) Vec { return Vec{a.X * s, a.Y * s, a.Z * s} }

// AddScaled returns a + b*s.
func (a Vec) AddScaled(b Vec, s float64) Vec { return Vec{a.X + b.X*s, a.Y + b.Y*s, a.Z + b.Z*s} }

// Neg returns -a.
func (a Vec) Neg() Vec { return Vec{-a.X, -a.Y, -a.Z} }

// Dot returns the dot product of a and b.
func (a Vec) Dot(b Vec) float64 { return a.X*b.X + a.Y*b.Y + a.Z*b.Z }

// Cross returns the cross product a x b.
func (a Vec) Cross(b Vec) Vec {
	return Vec{a.Y*b.Z - a.Z*b.Y, a.Z*b.X - a.X*b.Z, a.X*b.Y - a.Y*b.X}
}

// Length returns the Euclidean length of a.
func (a Vec) Length() float64 { return math.Sqrt(a.Dot(a)) }

// Normalize returns a scaled to unit length; the zero vector stays zero.
func (a Vec) Normalize() Vec {
	l := a.Length()
	if l == 0 {
		return a
	}
	return a.Scale(1 / l)
}

// Min returns the component-wise minimum of a and b.
func (a Vec) Min(b Vec) Vec { return Vec{min(a.X, b.X), min(a.Y, b.Y), min(a.Z, b.Z)} }

// Max returns the component-wise maximum of a and b.
func (a Vec) Max(b Vec) Vec { return Vec{max(a.X, b.X), max(a.Y, b.Y), max(a.Z, b.Z)} }

// MaxComponent returns the largest of a's components.
func (a Vec) MaxComponent() float64 { return max(a.X, max(a.Y, a.Z)) }

// Axis returns component i (0: X, 1: Y, 2: Z).
func (a Vec) Axis(i int) float64 {
	switch i {
	case 0:
		return a.X
	case 1:
		return a.Y
	}
	return a.Z
}

// Reflect returns the direction a mirrored about the unit normal n.
func (a Vec) Reflect(n Vec) Vec { return a.AddScaled(n, -2*n.Dot(a)) }
