package scene

import "math"

// objects parses the "objects" array. Scatters expand into spheres here,
// terrains and quads into meshes, so a renderer sees four kinds only.
func (d *decoder) objects(n *node, duration float64) []Object {
	if !d.isKind(n, arrayNode, "objects") {
		return nil
	}
	var objs []Object
	for _, e := range n.elems {
		if d.err != nil {
			return nil
		}
		objs = d.object(e, duration, objs)
		if len(objs) > MaxObjects {
			d.fail(e.off, ErrLimit, "more than %d objects", MaxObjects)
		}
	}
	return objs
}

// common are the fields every placed object may have.
var common = []string{"type", "name", "material", "transform", "keyframes"}

// object parses one element of "objects" and appends what it makes.
func (d *decoder) object(n *node, duration float64, objs []Object) []Object {
	switch t := d.typeOf(n, "object"); t {
	case "sphere":
		o := d.obj(n, "sphere", append(common, "center", "radius")...)
		obj := Object{Kind: SphereObject, Center: o.reqVec("center"), Radius: o.reqNum("radius")}
		positive(o, "radius", obj.Radius)
		return d.place(o, obj, duration, objs)
	case "plane":
		o := d.obj(n, "plane", "type", "name", "material", "point", "normal")
		obj := Object{Kind: PlaneObject, Point: o.reqVec("point"), Normal: o.reqVec("normal")}
		if d.err == nil && obj.Normal.Length() < 1e-12 {
			o.invalid("normal", "must not be zero")
		}
		obj.Normal = obj.Normal.Normalize()
		return d.place(o, obj, duration, objs)
	case "box":
		o := d.obj(n, "box", append(common, "min", "max")...)
		obj := Object{Kind: BoxObject, Min: o.reqVec("min"), Max: o.reqVec("max")}
		if d.err == nil && !(obj.Min.X < obj.Max.X && obj.Min.Y < obj.Max.Y && obj.Min.Z < obj.Max.Z) {
			o.invalid("max", "must exceed min on every axis")
		}
		return d.place(o, obj, duration, objs)
	case "quad":
		o := d.obj(n, "quad", append(common, "vertices")...)
		return d.place(o, Object{Kind: MeshObject, Mesh: d.quad(o)}, duration, objs)
	case "mesh":
		o := d.obj(n, "mesh", append(common, "file", "smooth")...)
		return d.place(o, Object{Kind: MeshObject, Mesh: d.meshFile(o)}, duration, objs)
	case "terrain":
		o := d.obj(n, "terrain", append(common, "size", "height", "resolution", "seed", "octaves")...)
		return d.place(o, Object{Kind: MeshObject, Mesh: d.terrain(o)}, duration, objs)
	case "scatter":
		return d.scatter(n, objs)
	case "":
	default:
		d.badType(n, "object", t, "sphere", "plane", "box", "quad", "mesh", "terrain", "scatter")
	}
	return objs
}

// place reads the fields common to all objects and appends the object.
func (d *decoder) place(o object, obj Object, duration float64, objs []Object) []Object {
	obj.Name = o.str("name", "")
	obj.Material = d.materialRef(o, "material")
	base := d.transform(o.get("transform"), "transform", Identity)
	obj.Keys = []TransformKey{{Transform: base}}
	if kn := o.get("keyframes"); kn != nil {
		obj.Keys = obj.Keys[:0]
		for _, e := range d.keyframes(kn, o.what+" keyframes") {
			k := TransformKey{Transform: d.transform(e, "keyframe", base)}
			k.Time = object{d, e, "keyframe"}.reqNum("time")
			obj.Keys = append(obj.Keys, k)
		}
		d.checkTimes(kn, len(obj.Keys), func(i int) float64 { return obj.Keys[i].Time }, duration)
	}
	if obj.Mesh != nil && d.err == nil {
		d.tris += len(obj.Mesh.Faces)
		if d.tris > MaxTriangles {
			d.fail(o.n.off, ErrLimit, "more than %d triangles in the scene", MaxTriangles)
		}
	}
	return append(objs, obj)
}

// transform reads a transform (or a keyframe, which also has "time") over
// defaults from base.
func (d *decoder) transform(n *node, what string, base Transform) Transform {
	if n == nil {
		return base
	}
	allowed := []string{"translate", "rotate", "scale"}
	if what == "keyframe" {
		allowed = append(allowed, "time")
	}
	o := d.obj(n, what, allowed...)
	t := Transform{
		Translate: o.vec("translate", base.Translate),
		Rotate:    o.vec("rotate", base.Rotate),
		Scale:     base.Scale,
	}
	if s := o.get("scale"); s != nil && s.kind == numberNode {
		t.Scale = Vec3{s.num, s.num, s.num}
	} else {
		t.Scale = o.vec("scale", base.Scale)
	}
	if d.err == nil && !(t.Scale.X > 0 && t.Scale.Y > 0 && t.Scale.Z > 0) {
		o.invalid("scale", "must be > 0 on every axis, got %v", fmtVec(t.Scale))
	}
	if d.err == nil && !(t.Translate.Finite() && t.Scale.Finite() && math.Abs(t.Rotate.X)+math.Abs(t.Rotate.Y)+math.Abs(t.Rotate.Z) < 1e6) {
		o.invalid("rotate", "out of range")
	}
	return t
}
