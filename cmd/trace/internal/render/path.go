package render

import "math"

// rrDepth is the bounce after which Russian roulette may end a path.
const rrDepth = 3

// path returns a one-sample estimate of the radiance along the unit ray
// (o, d) by unidirectional path tracing: cosine-weighted bounces at diffuse
// surfaces with next-event estimation (a shadow ray to every light), mirror
// and fuzzy reflection at metals, Fresnel-weighted choice at glass, and
// Russian roulette after rrDepth bounces.
//
// An area light's emission reached by a diffuse bounce is not counted
// again, because next-event estimation already counted it; emissive
// materials that are not lights are counted whenever a path hits them.
func (tr *tracer) path(o, d Vec, maxDepth int) Vec {
	var l Vec
	beta := Vec{1, 1, 1}
	specular := true // the last bounce was not diffuse
	for depth := 0; depth < maxDepth; depth++ {
		var h hit
		if !tr.closest(o, d, depth, &h) {
			return l.Add(beta.Mul(tr.s.background(d)))
		}
		var sf surface
		tr.surface(o, d, &h, &sf)
		m := tr.s.material(&sf)
		if m.Kind == matEmit {
			if specular || m.Flags&matLight == 0 {
				l = l.Add(beta.Mul(m.Emission))
			}
			return l
		}
		var next Vec
		next, specular = tr.scatter(m, &sf, d, &beta)
		if beta == (Vec{}) {
			return l
		}
		if m.Kind == matDiffuse {
			l = l.Add(beta.Mul(tr.direct(sf.p, sf.n, sf.ng)).Scale(1 / math.Pi))
		}
		if depth >= rrDepth {
			q := min(0.95, beta.MaxComponent())
			if tr.random().Float64() >= q {
				return l
			}
			beta = beta.Scale(1 / q)
		}
		o, d = spawn(sf.p, sf.ng, next), next
	}
	return l
}

// scatter samples the next direction at a surface and multiplies beta by
// the sample's weight (setting it to zero when the path is absorbed). For a
// diffuse surface it also orients sf's normals towards d's origin, for the
// caller's next-event estimation; beta is then the albedo times the
// incoming beta, which is what the direct term needs.
func (tr *tracer) scatter(m *material, sf *surface, d Vec, beta *Vec) (next Vec, specular bool) {
	front := d.Dot(sf.ng) < 0
	if m.Kind == matGlass {
		n, eta := sf.n, 1/m.IOR
		if !front {
			n, eta = n.Neg(), m.IOR
		}
		refr, f := dielectric(d, n, eta)
		if tr.random().Float64() < f {
			return d.Reflect(n), true
		}
		*beta = beta.Mul(m.Color)
		return refr, true
	}
	if !front {
		sf.n, sf.ng = sf.n.Neg(), sf.ng.Neg()
	}
	if m.Kind == matMetal {
		r := d.Reflect(sf.n)
		if m.Roughness > 0 {
			r = r.AddScaled(sphereSample(tr.random()), m.Roughness).Normalize()
		}
		if !(r.Dot(sf.ng) > 0) {
			*beta = Vec{}
		}
		*beta = beta.Mul(m.Color)
		return r, true
	}
	next = cosineSample(sf.n, tr.random())
	if !(next.Dot(sf.ng) > 0) { // shading normal tilted past the surface
		next = cosineSample(sf.ng, tr.random())
	}
	*beta = beta.Mul(m.Color)
	return next, false
}
