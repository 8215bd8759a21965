package scene

// materials parses the "materials" object: material name -> definition, in
// file order. Names are collected first so that a checker may refer to a
// material defined after it.
func (d *decoder) materials(n *node) []Material {
	d.mats = map[string]int{}
	if n == nil || !d.isKind(n, objectNode, "materials") {
		return nil
	}
	if len(n.fields) > MaxMaterials {
		d.fail(n.off, ErrLimit, "more than %d materials", MaxMaterials)
		return nil
	}
	for i, f := range n.fields {
		if f.key == "" {
			d.fail(f.off, ErrValue, "material name must not be empty")
		}
		d.mats[f.key] = i
	}
	ms := make([]Material, len(n.fields))
	for i, f := range n.fields {
		ms[i] = d.material(f.val)
		ms[i].Name = f.key
	}
	for i, f := range n.fields {
		if ms[i].Kind == Checker {
			d.checkChecker(f.val, ms, ms[i])
		}
	}
	return ms
}

func (d *decoder) material(n *node) Material {
	switch t := d.typeOf(n, "material"); t {
	case "diffuse":
		o := d.obj(n, "diffuse material", "type", "color")
		return Material{Kind: Diffuse, Color: o.colour("color", Vec3{0.8, 0.8, 0.8})}
	case "metal":
		o := d.obj(n, "metal material", "type", "color", "roughness")
		m := Material{Kind: Metal, Color: o.colour("color", Vec3{0.9, 0.9, 0.9}), Roughness: o.num("roughness", 0)}
		if !(m.Roughness >= 0 && m.Roughness <= 1) {
			o.invalid("roughness", "must be in [0, 1], got %v", m.Roughness)
		}
		return m
	case "glass":
		o := d.obj(n, "glass material", "type", "color", "ior")
		m := Material{Kind: Glass, Color: o.colour("color", Vec3{1, 1, 1}), IOR: o.num("ior", 1.5)}
		if !(m.IOR >= 1 && m.IOR <= 4) {
			o.invalid("ior", "must be in [1, 4], got %v", m.IOR)
		}
		return m
	case "emissive":
		o := d.obj(n, "emissive material", "type", "color", "intensity")
		return Material{Kind: Emissive, Emission: o.colour("color", Vec3{1, 1, 1}).Scale(intensity(o))}
	case "checker":
		o := d.obj(n, "checker material", "type", "even", "odd", "scale")
		m := Material{Kind: Checker, Scale: o.num("scale", 1)}
		m.Even, m.Odd = d.materialRef(o, "even"), d.materialRef(o, "odd")
		positive(o, "scale", m.Scale)
		return m
	case "":
	default:
		d.badType(n, "material", t, "diffuse", "metal", "glass", "emissive", "checker")
	}
	return Material{}
}

// intensity reads the optional "intensity" multiplier (>= 0, default 1).
func intensity(o object) float64 {
	v := o.num("intensity", 1)
	if !(v >= 0) || !finite(v) {
		o.invalid("intensity", "must be >= 0, got %v", v)
	}
	return v
}

// materialRef resolves a required material name.
func (d *decoder) materialRef(o object, key string) int {
	name := o.reqStr(key)
	if d.err != nil {
		return 0
	}
	i, ok := d.mats[name]
	if !ok {
		d.fail(o.get(key).off, ErrReference, "%s: unknown material %q", o.name(key), name)
	}
	return i
}

// checkChecker rejects a checker made of checkers: shading resolves one
// level only, which keeps it free of loops.
func (d *decoder) checkChecker(n *node, ms []Material, m Material) {
	o := object{d, n, "checker material"}
	for _, key := range []string{"even", "odd"} {
		i := m.Even
		if key == "odd" {
			i = m.Odd
		}
		if ms[i].Kind == Checker && d.err == nil {
			d.fail(o.get(key).off, ErrValue, "checker material %s: %q is itself a checker", key, ms[i].Name)
		}
	}
}
