package scene

import "math"

// scatter expands a "scatter" object into spheres on a jittered grid. The
// grid has ceil(sqrt(count)) columns over the area size[0] x size[1]
// centred on "center"; every sphere rests on the plane y = center[1], has a
// radius drawn from [radius[0], radius[1]] (but at most 45% of a cell, so
// spheres never overlap), and a material drawn from "materials". Spheres
// that would touch one of the "avoid" spheres are left out. Every draw is a
// hash of (seed, index), so the result depends on nothing but the fields.
func (d *decoder) scatter(n *node, objs []Object) []Object {
	o := d.obj(n, "scatter", "type", "name", "count", "seed", "center", "size", "radius", "materials", "avoid")
	count := o.integer("count", 0, 1, MaxScatterCount)
	if o.need("count") == nil {
		return objs
	}
	seed := uint64(o.integer("seed", 1, 0, 1<<53))
	center := o.vec("center", Vec3{})
	size := d.pair(o, "size")
	radius := d.pair(o, "radius")
	positive(o, "size", min(size[0], size[1]))
	if !(radius[0] > 0 && radius[0] <= radius[1]) || math.IsInf(radius[1], 0) {
		o.invalid("radius", "need 0 < min <= max, got [%v, %v]", radius[0], radius[1])
	}
	mats := d.materialList(o)
	avoid := d.avoidList(o)
	if d.err != nil || len(objs)+count > MaxObjects {
		if d.err == nil {
			d.fail(n.off, ErrLimit, "more than %d objects", MaxObjects)
		}
		return objs
	}
	cols := int(math.Ceil(math.Sqrt(float64(count))))
	rows := (count + cols - 1) / cols
	cw, ch := size[0]/float64(cols), size[1]/float64(rows)
	rmax := 0.45 * math.Min(cw, ch)
	for i := range count {
		r := math.Min(radius[0]+(radius[1]-radius[0])*unit(seed, i, 0), rmax)
		x := center.X - size[0]/2 + (float64(i%cols)+0.5)*cw + (cw/2-r)*(2*unit(seed, i, 1)-1)
		z := center.Z - size[1]/2 + (float64(i/cols)+0.5)*ch + (ch/2-r)*(2*unit(seed, i, 2)-1)
		c := Vec3{x, center.Y + r, z}
		if touches(c, r, avoid) {
			continue
		}
		m := mats[int(unit(seed, i, 3)*float64(len(mats)))%len(mats)]
		objs = append(objs, Object{Kind: SphereObject, Center: c, Radius: r, Material: m,
			Keys: []TransformKey{{Transform: Identity}}})
	}
	return objs
}

// sphereShape is a sphere to keep clear of.
type sphereShape struct {
	c Vec3
	r float64
}

func touches(c Vec3, r float64, avoid []sphereShape) bool {
	for _, a := range avoid {
		if c.Sub(a.c).Length() < r+a.r {
			return true
		}
	}
	return false
}

// materialList reads "materials", a non-empty array of material names.
func (d *decoder) materialList(o object) []int {
	n := o.need("materials")
	if n == nil || !d.isKind(n, arrayNode, o.name("materials")) {
		return nil
	}
	if len(n.elems) == 0 || len(n.elems) > MaxMaterials {
		d.fail(n.off, ErrValue, "scatter materials: need 1 to %d names, got %d", MaxMaterials, len(n.elems))
	}
	var mats []int
	for _, e := range n.elems {
		if !d.isKind(e, stringNode, "scatter material") {
			return nil
		}
		i, ok := d.mats[e.str]
		if !ok {
			d.fail(e.off, ErrReference, "scatter materials: unknown material %q", e.str)
		}
		mats = append(mats, i)
	}
	return mats
}

// avoidList reads "avoid", an optional array of {"center", "radius"}.
func (d *decoder) avoidList(o object) []sphereShape {
	n := o.get("avoid")
	if n == nil || !d.isKind(n, arrayNode, o.name("avoid")) {
		return nil
	}
	if len(n.elems) > 1024 {
		d.fail(n.off, ErrLimit, "scatter avoid: more than 1024 spheres")
		return nil
	}
	var out []sphereShape
	for _, e := range n.elems {
		a := d.obj(e, "avoid sphere", "center", "radius")
		s := sphereShape{a.reqVec("center"), a.reqNum("radius")}
		positive(a, "radius", s.r)
		out = append(out, s)
	}
	return out
}
