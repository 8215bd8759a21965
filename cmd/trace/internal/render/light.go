package render

import "math"

// direct returns the irradiance at a surface point from every light, with
// one shadow ray per light. Area lights are sampled at one random point
// (rectangles) or direction (spheres), which gives soft shadows whose noise
// averages out over samples. n and ng must face the side being lit.
//
// Two point lights in a row are aimed both before either's shadow ray is
// traced, so that their square roots and divisions overlap; the sum is
// taken in the lights' order all the same.
func (tr *tracer) direct(p, n, ng Vec) Vec {
	var e Vec
	lights := tr.s.lights
	for i := 0; i < len(lights); i++ {
		l := &lights[i]
		switch l.Kind {
		case lightPoint:
			var a, b shadowRay
			eps := spawnEps(p)
			tr.aim(l, p, n, ng, eps, &a)
			if i+1 == len(lights) || lights[i+1].Kind != lightPoint {
				e = e.Add(tr.lit(l, &a))
				continue
			}
			i++
			tr.aim(&lights[i], p, n, ng, eps, &b)
			la := tr.lit(l, &a)
			e = e.Add(la).Add(tr.lit(&lights[i], &b))
		case lightRect:
			e = e.Add(tr.rectLight(l, p, n, ng))
		case lightSphere:
			e = e.Add(tr.sphereLight(l, p, n, ng))
		}
	}
	return e
}

// shadowRay is a shadow ray aimed at a point light, with the weight of the
// light's emission at the surface when the ray is not blocked.
type shadowRay struct {
	o, wi   Vec
	tmax, w float64
	refs    []uint32 // the light buffer's list, when list is set
	list    bool
	ok      bool // the light is in front of the surface
}

// aim sets sr up as the shadow ray to the point light l from its spawned
// origin, so that all of it lies in one direction from the light (see
// shadowList), taking the light's direction and distance from that origin
// too; it clears sr.ok when the light is behind the surface. eps is
// spawnEps(p).
func (tr *tracer) aim(l *light, p, n, ng Vec, eps float64, sr *shadowRay) {
	wi := l.P.Sub(p)
	if !(n.Dot(wi) > 0) {
		sr.ok = false
		return
	}
	o := offset(p, ng, wi, eps)
	wi = l.P.Sub(o)
	d2 := wi.Dot(wi)
	inv := 1 / math.Sqrt(d2)
	wi = wi.Scale(inv)
	sr.o, sr.wi, sr.tmax, sr.w, sr.ok = o, wi, d2*inv*(1-1e-5), max(0, n.Dot(wi))*inv*inv, true
	sr.refs, sr.list = tr.s.shadowList(l, o)
}

// lit traces sr and returns the irradiance it brings from l: none when the
// light is behind the surface or the ray is blocked.
func (tr *tracer) lit(l *light, sr *shadowRay) Vec {
	if !sr.ok {
		return Vec{}
	}
	if sr.list {
		if tr.occludedBy(sr.refs, sr.o, sr.wi, sr.tmax) {
			return Vec{}
		}
	} else if tr.occluded(sr.o, sr.wi, sr.tmax) {
		return Vec{}
	}
	return l.Emission.Scale(sr.w)
}

// rectLight samples a point uniformly on the rectangle: irradiance is
// Le * cos * cosL * area / d^2. Rectangles emit on both sides.
func (tr *tracer) rectLight(l *light, p, n, ng Vec) Vec {
	q := l.P.AddScaled(l.U, tr.random().Float64()).AddScaled(l.V, tr.random().Float64())
	wi := q.Sub(p)
	d2 := wi.Dot(wi)
	dist := math.Sqrt(d2)
	wi = wi.Scale(1 / dist)
	cos, cosL := n.Dot(wi), math.Abs(l.N.Dot(wi))
	if !(cos > 0) || !(cosL > 0) || !tr.visible(p, ng, wi, q) {
		return Vec{}
	}
	return l.Emission.Scale(cos * cosL * l.Area / d2)
}

// sphereLight samples a direction uniformly in the cone the sphere
// subtends: irradiance is Le * cos * solid angle.
func (tr *tracer) sphereLight(l *light, p, n, ng Vec) Vec {
	c := l.P.Sub(p)
	dc2, r2 := c.Dot(c), l.Radius*l.Radius
	if !(dc2 > r2) {
		return Vec{}
	}
	dc := math.Sqrt(dc2)
	w := c.Scale(1 / dc)
	cosMax := math.Sqrt(1 - r2/dc2)
	oneMinus := (r2 / dc2) / (1 + cosMax) // 1 - cosMax without cancellation
	cosT := 1 - tr.random().Float64()*oneMinus
	sinT := math.Sqrt(max(0, 1-cosT*cosT))
	s, co := math.Sincos(2 * math.Pi * tr.random().Float64())
	u, v := basis(w)
	wi := u.Scale(co*sinT).AddScaled(v, s*sinT).AddScaled(w, cosT)
	cos := n.Dot(wi)
	if !(cos > 0) {
		return Vec{}
	}
	b := c.Dot(wi)
	t := b - math.Sqrt(max(0, r2-(dc2-b*b)))
	if !tr.visible(p, ng, wi, p.AddScaled(wi, t)) {
		return Vec{}
	}
	return l.Emission.Scale(cos * 2 * math.Pi * oneMinus)
}

// visible reports whether the point q on a light, in direction wi from the
// surface point p, is unoccluded. The shadow ray starts off the surface and
// stops just short of q, so that neither the surface nor the light's own
// geometry counts as an occluder.
func (tr *tracer) visible(p, ng, wi, q Vec) bool {
	o := spawn(p, ng, wi)
	return !tr.occluded(o, wi, q.Sub(o).Dot(wi)*(1-1e-5))
}
