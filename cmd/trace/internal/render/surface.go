package render

import (
	"math"

	"github.com/shmrun/shmrun/cmd/trace/internal/scene"
)

// surface is what shading needs about a hit point.
type surface struct {
	p     Vec    // world position
	ng    Vec    // world geometric normal, unit, outward
	n     Vec    // world shading normal, unit, on ng's side
	local Vec    // object-space position, for solid textures
	mat   uint32 // material index
}

// surface computes into sf the shading data of hit h on the world ray
// (o, d). Results are written in place, not returned: a returned struct
// is stored piecewise and copied whole, and the copy stalls on the
// stores.
func (tr *tracer) surface(o, d Vec, h *hit, sf *surface) {
	p := o.AddScaled(d, h.t)
	if h.inst == instPlane {
		pl := &tr.s.planes[h.ref]
		*sf = surface{p: p, ng: pl.Normal, n: pl.Normal, local: p, mat: pl.Mat}
		return
	}
	if h.inst == instWorld {
		ng, n, mat := tr.localNormal(h, p)
		sf.orient(p, ng, n, p, mat)
		return
	}
	xf := &tr.f.xf[h.inst]
	lp := xf.toObj.point(o).AddScaled(xf.toObj.dir(d), h.t)
	ng, n, mat := tr.localNormal(h, lp)
	sf.orient(p, xf.toObj.transposed(ng), xf.toObj.transposed(n), lp, mat)
}

// orient makes sf the surface at p with the world normals ng and n made
// unit, the shading normal replaced by the geometric one when it is
// missing, degenerate or flipped.
func (sf *surface) orient(p, ng, n, lp Vec, mat uint32) {
	sf.p, sf.local, sf.mat = p, lp, mat
	if n == ng { // flat: one normal
		ng = ng.Normalize()
		sf.ng, sf.n = ng, ng
		return
	}
	ng, n = ng.Normalize(), n.Normalize()
	if !(n.Dot(ng) > 0) {
		n = ng
	}
	sf.ng, sf.n = ng, n
}

// localNormal returns the object-space geometric and shading normals (not
// normalised) at lp and the material of the primitive hit.
func (tr *tracer) localNormal(h *hit, lp Vec) (ng, n Vec, mat uint32) {
	i := h.ref & refMask
	switch h.ref >> refShift {
	case refTriangle:
		t := &tr.s.tris[i]
		ng = t.E1.Cross(t.E2)
		if t.Normals == noNormals {
			return ng, ng, t.Mat
		}
		vn := &tr.s.normals[t.Normals]
		n = vn.N0.Scale(1-h.u-h.v).AddScaled(vn.N1, h.u).AddScaled(vn.N2, h.v)
		return ng, n, t.Mat
	case refSphere:
		s := &tr.s.spheres[i]
		ng = lp.Sub(s.Center)
		return ng, ng, s.Mat
	}
	b := &tr.s.boxes[i]
	ng = boxNormal(lp, b.Min, b.Max)
	return ng, ng, b.Mat
}

// boxNormal returns the outward normal of the face of [lo, hi] nearest p.
func boxNormal(p, lo, hi Vec) Vec {
	best, n := inf, Vec{}
	for a := range 3 {
		size := hi.Axis(a) - lo.Axis(a)
		if d := math.Abs(p.Axis(a)-lo.Axis(a)) / size; d < best {
			best, n = d, axisVec(a, -1)
		}
		if d := math.Abs(p.Axis(a)-hi.Axis(a)) / size; d < best {
			best, n = d, axisVec(a, 1)
		}
	}
	return n
}

func axisVec(a int, s float64) Vec {
	switch a {
	case 0:
		return Vec{s, 0, 0}
	case 1:
		return Vec{0, s, 0}
	}
	return Vec{0, 0, s}
}

// material returns the material at a surface, resolving a checker to one
// of its two materials (Open guarantees those are not checkers).
func (s *Scene) material(sf *surface) *material {
	m := &s.mats[sf.mat]
	if m.Kind != matChecker {
		return m
	}
	// The small offset keeps points on an axis-aligned plane through a
	// cell boundary (a floor at y = 0) on one side of it despite rounding.
	q := sf.local.Scale(m.Scale)
	c := int64(math.Floor(q.X+1e-4)) + int64(math.Floor(q.Y+1e-4)) + int64(math.Floor(q.Z+1e-4))
	if c&1 == 0 {
		return &s.mats[m.Even]
	}
	return &s.mats[m.Odd]
}

// background returns the radiance seen along a ray that leaves the scene.
func (s *Scene) background(d Vec) Vec {
	h := s.hdr
	if h.Background != uint32(scene.BackgroundSky) {
		return h.BgColor
	}
	if d.Y < 0 {
		return lerp(h.Horizon, h.Ground, min(1, -d.Y*8))
	}
	return lerp(h.Horizon, h.Zenith, math.Sqrt(min(1, d.Y)))
}

func lerp(a, b Vec, f float64) Vec { return a.AddScaled(b.Sub(a), f) }

// spawn offsets p off the surface with normal ng to the side of dir, so a
// new ray does not hit the surface it leaves.
func spawn(p, ng, dir Vec) Vec { return offset(p, ng, dir, spawnEps(p)) }

// spawnEps is the distance by which spawn moves p: several rays leaving
// one point need it once.
func spawnEps(p Vec) float64 { return 1e-5 * (1 + math.Abs(p.X) + math.Abs(p.Y) + math.Abs(p.Z)) }

// offset is spawn with its distance eps given.
func offset(p, ng, dir Vec, eps float64) Vec {
	if dir.Dot(ng) < 0 {
		eps = -eps
	}
	return p.AddScaled(ng, eps)
}

// basis returns two unit vectors that complete the unit vector n to an
// orthonormal basis (Duff et al., "Building an orthonormal basis,
// revisited", 2017).
func basis(n Vec) (u, v Vec) {
	sign := math.Copysign(1, n.Z)
	a := -1 / (sign + n.Z)
	b := n.X * n.Y * a
	return Vec{1 + sign*n.X*n.X*a, sign * b, -sign * n.X}, Vec{b, sign + n.Y*n.Y*a, -n.Y}
}

// cosineSample returns a cosine-weighted direction around the unit n.
func cosineSample(n Vec, r *RNG) Vec {
	u, v := basis(n)
	phi := 2 * math.Pi * r.Float64()
	r2 := r.Float64()
	s, c := math.Sincos(phi)
	rad := math.Sqrt(r2)
	return u.Scale(c*rad).AddScaled(v, s*rad).AddScaled(n, math.Sqrt(1-r2))
}

// sphereSample returns a uniformly distributed point in the unit ball.
func sphereSample(r *RNG) Vec {
	z := 1 - 2*r.Float64()
	s, c := math.Sincos(2 * math.Pi * r.Float64())
	rho := math.Sqrt(max(0, 1-z*z))
	return Vec{rho * c, rho * s, z}.Scale(math.Cbrt(r.Float64()))
}

// diskTries bounds the pairs diskSample draws by rejection: all of them
// fall outside the disk with probability (1 - pi/4)^8, under 5e-6.
const diskTries = 8

// diskSample returns a uniformly distributed point in the unit disk. It
// draws points of the square around the disk until one falls inside (4/pi
// pairs of numbers on average), which costs less than the square root,
// sine and cosine of the polar map; after diskTries misses it takes the
// polar map of two more numbers, which keeps the result uniform.
func diskSample(r *RNG) (x, y float64) {
	for range diskTries {
		x, y = 2*r.Float64()-1, 2*r.Float64()-1
		if x*x+y*y < 1 {
			return x, y
		}
	}
	return diskPolar(r)
}

// diskPolar maps two numbers to a uniformly distributed point in the unit
// disk by radius and angle.
func diskPolar(r *RNG) (x, y float64) {
	rad := math.Sqrt(r.Float64())
	s, c := math.Sincos(2 * math.Pi * r.Float64())
	return rad * c, rad * s
}

// dielectric returns the refracted direction of unit d at a surface with
// unit normal n facing d's origin, for the index ratio eta = n1/n2, and the
// Fresnel reflectance (1 on total internal reflection).
func dielectric(d, n Vec, eta float64) (refr Vec, f float64) {
	cosI := -n.Dot(d)
	sin2T := eta * eta * (1 - cosI*cosI)
	if sin2T >= 1 {
		return Vec{}, 1
	}
	cosT := math.Sqrt(1 - sin2T)
	rs := (eta*cosI - cosT) / (eta*cosI + cosT)
	rp := (cosI - eta*cosT) / (cosI + eta*cosT)
	return d.Scale(eta).AddScaled(n, eta*cosI-cosT), (rs*rs + rp*rp) / 2
}
