package scene

func (d *decoder) lights(n *node) []Light {
	if n == nil || !d.isKind(n, arrayNode, "lights") {
		return nil
	}
	if len(n.elems) > MaxLights {
		d.fail(n.off, ErrLimit, "more than %d lights", MaxLights)
		return nil
	}
	ls := make([]Light, 0, len(n.elems))
	for _, e := range n.elems {
		ls = append(ls, d.light(e))
	}
	return ls
}

func (d *decoder) light(n *node) Light {
	switch t := d.typeOf(n, "light"); t {
	case "point":
		o := d.obj(n, "point light", "type", "position", "color", "intensity")
		return Light{Kind: PointLight, Position: o.reqVec("position"), Emission: emission(o)}
	case "rect":
		o := d.obj(n, "rect light", "type", "corner", "edge_u", "edge_v", "color", "intensity")
		l := Light{Kind: RectLight, Corner: o.reqVec("corner"), EdgeU: o.reqVec("edge_u"), EdgeV: o.reqVec("edge_v"), Emission: emission(o)}
		if d.err == nil && l.EdgeU.Cross(l.EdgeV).Length() < 1e-12 {
			o.invalid("edge_v", "edges must be non-zero and not parallel")
		}
		return l
	case "sphere":
		o := d.obj(n, "sphere light", "type", "center", "radius", "color", "intensity")
		l := Light{Kind: SphereLight, Position: o.reqVec("center"), Radius: o.reqNum("radius"), Emission: emission(o)}
		positive(o, "radius", l.Radius)
		return l
	case "":
	default:
		d.badType(n, "light", t, "point", "rect", "sphere")
	}
	return Light{}
}

// emission reads "color" times "intensity".
func emission(o object) Vec3 { return o.colour("color", Vec3{1, 1, 1}).Scale(intensity(o)) }
