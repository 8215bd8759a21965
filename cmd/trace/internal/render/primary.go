package render

// This file culls the world for camera rays. The camera rays of a group
// of pixels from a pinhole camera all start at the camera and lie in the
// cone spanned by the directions through the group's corners, so a walk of
// the world tree with that cone, once per group, can list every world
// reference a camera ray of the group may hit; when there are few, the
// group's camera rays test the list instead of each walking the tree. A
// ray's closest hit is the tree's: the list holds every reference it could
// hit. Crowded groups walk the tree.
//
// A lens camera's rays start anywhere on the lens disk (radius L) and pass
// through the group's rectangle on the focal plane (distance f). Up to the
// focal plane a ray point is a convex combination of a lens point and a
// point in the pinhole cone, so it lies within L of the cone; beyond it, at
// depth z, within L*(z/f - 1). Within L + L*z/f of the cone, for a plane of
// the cone with unit normal n, means (n + L/f * forward).(x - origin) >= -L:
// a cone of planes tilted and moved out.

const (
	groupSize = 16 // pixels on a side of a group
	maxFirst  = 16 // references a group may list
)

// cone bounds a group's camera rays: the points x with n.(x - o) >= -off
// for four inward normals n.
type cone struct {
	o   Vec
	n   [4]Vec
	off float64
}

// newCone returns the cone through the pixel rectangle [x0, x1] x [y0, y1]
// of a w x h image (see camera.ray for k).
func (c *camera) cone(x0, y0, x1, y1, w, h, k float64) cone {
	dir := func(x, y float64) Vec {
		return c.forward.AddScaled(c.right, (2*x-w)*k).AddScaled(c.up, (h-2*y)*k)
	}
	a, b, cc, d := dir(x0, y0), dir(x1, y0), dir(x1, y1), dir(x0, y1)
	tilt := c.forward.Scale(c.lens / c.focus)
	plane := func(p, q, inside Vec) Vec {
		n := p.Cross(q).Normalize()
		if n.Dot(inside) < 0 {
			n = n.Neg()
		}
		return n.Add(tilt)
	}
	return cone{o: c.origin, n: [4]Vec{plane(a, d, b), plane(b, cc, a), plane(a, b, d), plane(d, cc, a)}, off: max(c.lens, 0)}
}

// meets reports whether the box [lo, hi] may meet the cone: no plane has
// the whole box on its outer side, allowing for rounding.
func (k *cone) meets(lo, hi Vec) bool {
	for _, n := range k.n {
		p := Vec{pick(sign01(n.X), lo.X, hi.X), pick(sign01(n.Y), lo.Y, hi.Y), pick(sign01(n.Z), lo.Z, hi.Z)}.Sub(k.o)
		if d := n.Dot(p); d < -k.off-1e-9*(abs1(n)*abs1(p)+k.off+1e-300) {
			return false
		}
	}
	return true
}

func sign01(x float64) int {
	if x > 0 {
		return 1
	}
	return 0
}

func abs1(v Vec) float64 { return max(v.X, -v.X) + max(v.Y, -v.Y) + max(v.Z, -v.Z) }

// firstRefs lists in tr.first the world references that camera rays of
// the pixel rectangle [x0, x1] x [y0, y1] may hit, or clears tr.firstOK
// when there are more than maxFirst (or the camera is degenerate).
func (tr *tracer) firstRefs(x0, y0, x1, y1, w, h, k float64) {
	tr.nfirst, tr.firstOK = 0, false
	cam := &tr.f.cam
	if cam.lens > 0 && !(cam.focus > 0) {
		return
	}
	kc := cam.cone(x0, y0, x1, y1, w, h, k)
	tr.firstOK = tr.collect(tr.s.hdr.World, &kc, 0)
}

// collect appends the references under the child word c, at depth in the
// tree, that the cone may meet, and reports false once there are too many.
// An instance is left out when its box at this frame, tighter than the
// tree's, misses. (The depth bound, which Open checked, also keeps a blob
// corrupted after Open from recursing without end.)
func (tr *tracer) collect(c uint32, k *cone, depth int) bool {
	if c&childLeaf != 0 {
		first, n := leafRange(c)
		for _, ref := range tr.s.refs[first : first+n] {
			if ref>>refShift == refInstance {
				b := &tr.f.xf[ref&refMask].bounds
				if !k.meets(b.lo(), b.hi()) {
					continue
				}
			}
			if tr.nfirst == maxFirst {
				return false
			}
			tr.first[tr.nfirst] = ref
			tr.nfirst++
		}
		return true
	}
	if depth == maxTreeDepth {
		return false
	}
	n := &tr.s.nodes[c]
	for s := range wideSlots {
		lo := Vec{float64(n.Box[0][0][s]), float64(n.Box[0][1][s]), float64(n.Box[0][2][s])}
		hi := Vec{float64(n.Box[1][0][s]), float64(n.Box[1][1][s]), float64(n.Box[1][2][s])}
		if k.meets(lo, hi) && !tr.collect(n.Child[s], k, depth+1) {
			return false
		}
	}
	return true
}

// closest finds into h the closest hit along the unit ray (o, d), a
// camera ray of the current group at depth 0 (see firstHit), and reports
// whether there is one.
func (tr *tracer) closest(o, d Vec, depth int, h *hit) bool {
	if depth == 0 {
		return tr.firstHit(o, d, h)
	}
	return tr.intersect(o, d, inf, h)
}

// firstHit is intersect for a camera ray of the current group: with a
// list, the ray tests it instead of walking the tree.
func (tr *tracer) firstHit(o, d Vec, h *hit) bool {
	if !tr.firstOK {
		return tr.intersect(o, d, inf, h)
	}
	return tr.intersectList(tr.first[:tr.nfirst], o, d, inf, h)
}
