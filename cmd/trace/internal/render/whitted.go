package render

import "math"

// splitDepth is the depth below which the Whitted integrator follows both
// the reflected and the refracted ray at glass. Deeper, it follows one,
// chosen by the Fresnel reflectance, so the ray count grows linearly with
// MaxDepth instead of exponentially.
const splitDepth = 2

// whitted returns the radiance along the unit ray (o, d): direct light with
// shadow rays at diffuse surfaces (plus the scene's ambient term), mirror
// reflection at metals, reflection and refraction with Fresnel at glass,
// and emission. depth counts the bounces so far.
func (tr *tracer) whitted(o, d Vec, depth, maxDepth int) Vec {
	var h hit
	if !tr.closest(o, d, depth, &h) {
		return tr.s.background(d)
	}
	var sf surface
	tr.surface(o, d, &h, &sf)
	return tr.whittedAt(d, &sf, tr.s.material(&sf), depth, maxDepth)
}

// whittedAt is whitted from the hit on the ray's surface sf, of material
// m: the fill pass (fill.go) finds a camera ray's hit before it decides
// whether to shade it. It may change sf.
func (tr *tracer) whittedAt(d Vec, sf *surface, m *material, depth, maxDepth int) Vec {
	front := d.Dot(sf.ng) < 0
	if m.Kind == matEmit {
		return m.Emission
	}
	if m.Kind == matGlass {
		return tr.whittedGlass(m, sf, d, front, depth, maxDepth)
	}
	if !front {
		sf.n, sf.ng = sf.n.Neg(), sf.ng.Neg()
	}
	if m.Kind == matDiffuse {
		e := tr.direct(sf.p, sf.n, sf.ng).Scale(1 / math.Pi)
		return m.Color.Mul(e.Add(tr.s.hdr.Ambient))
	}
	if depth+1 >= maxDepth { // metal
		return Vec{}
	}
	r := tr.reflect(d, sf, m.Roughness)
	return m.Color.Mul(tr.whitted(spawn(sf.p, sf.ng, r), r, depth+1, maxDepth))
}

// reflect returns the mirror direction of d, fuzzed by roughness; a fuzzed
// direction that would go below the surface falls back to the mirror.
func (tr *tracer) reflect(d Vec, sf *surface, roughness float64) Vec {
	r := d.Reflect(sf.n)
	if roughness > 0 {
		f := r.AddScaled(sphereSample(tr.random()), roughness).Normalize()
		if f.Dot(sf.ng) > 0 {
			return f
		}
	}
	return r
}

func (tr *tracer) whittedGlass(m *material, sf *surface, d Vec, front bool, depth, maxDepth int) Vec {
	if depth+1 >= maxDepth {
		return Vec{}
	}
	n, eta := sf.n, 1/m.IOR
	if !front {
		n, eta = n.Neg(), m.IOR
	}
	refr, f := dielectric(d, n, eta)
	refl := d.Reflect(n)
	if depth >= splitDepth {
		if tr.random().Float64() < f {
			return tr.whitted(spawn(sf.p, sf.ng, refl), refl, depth+1, maxDepth)
		}
		return m.Color.Mul(tr.whitted(spawn(sf.p, sf.ng, refr), refr, depth+1, maxDepth))
	}
	c := tr.whitted(spawn(sf.p, sf.ng, refl), refl, depth+1, maxDepth).Scale(f)
	if f < 1 {
		t := tr.whitted(spawn(sf.p, sf.ng, refr), refr, depth+1, maxDepth)
		c = c.Add(m.Color.Mul(t).Scale(1 - f))
	}
	return c
}
