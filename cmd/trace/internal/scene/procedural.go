package scene

// TerrainSpec describes a procedural heightfield: a Resolution x Resolution
// grid of cells centred on the origin in the XZ plane, SizeX by SizeZ,
// raised by fractal value noise to heights in [0, Height). It has
// 2*Resolution^2 triangles, so Resolution 224 already gives over 100,000.
type TerrainSpec struct {
	SizeX, SizeZ float64
	Height       float64
	Resolution   int
	Seed         uint64
	Octaves      int
}

// Mesh generates the terrain with smooth vertex normals. It is
// deterministic: the same spec gives the same mesh on every machine.
// Resolution must be in [1, MaxResolution] and Octaves in [1, 16].
func (t TerrainSpec) Mesh() *Mesh {
	n := t.Resolution + 1
	h := make([]float64, n*n)
	for j := range n {
		for i := range n {
			u, v := float64(i)/float64(t.Resolution), float64(j)/float64(t.Resolution)
			h[j*n+i] = t.Height * fbm(t.Seed, u*4, v*4, t.Octaves)
		}
	}
	m := &Mesh{Positions: make([]Vec3, 0, n*n), Normals: make([]Vec3, 0, n*n)}
	dx, dz := t.SizeX/float64(t.Resolution), t.SizeZ/float64(t.Resolution)
	at := func(i, j int) float64 { return h[min(max(j, 0), n-1)*n+min(max(i, 0), n-1)] }
	for j := range n {
		for i := range n {
			x, z := -t.SizeX/2+float64(i)*dx, -t.SizeZ/2+float64(j)*dz
			m.Positions = append(m.Positions, Vec3{x, at(i, j), z})
			gx := (at(i+1, j) - at(i-1, j)) / (2 * dx)
			gz := (at(i, j+1) - at(i, j-1)) / (2 * dz)
			m.Normals = append(m.Normals, Vec3{-gx, 1, -gz}.Normalize())
		}
	}
	m.Faces = make([][3]uint32, 0, 2*t.Resolution*t.Resolution)
	for j := range t.Resolution {
		for i := range t.Resolution {
			v := uint32(j*n + i)
			m.Faces = append(m.Faces, [3]uint32{v, v + uint32(n), v + 1}, [3]uint32{v + 1, v + uint32(n), v + uint32(n) + 1})
		}
	}
	return m
}

// terrain reads a terrain object's fields and generates its mesh.
func (d *decoder) terrain(o object) *Mesh {
	t := TerrainSpec{
		Height:     o.num("height", 1),
		Resolution: o.integer("resolution", 256, 1, MaxResolution),
		Seed:       uint64(o.integer("seed", 1, 0, 1<<53)),
		Octaves:    o.integer("octaves", 5, 1, 16),
	}
	size := d.pair(o, "size")
	t.SizeX, t.SizeZ = size[0], size[1]
	positive(o, "size", min(t.SizeX, t.SizeZ))
	if !(t.Height >= 0 && t.Height < 1e9) {
		o.invalid("height", "must be in [0, 1e9), got %v", t.Height)
	}
	if d.err == nil && d.tris+2*t.Resolution*t.Resolution > MaxTriangles {
		o.invalid("resolution", "%d gives more than %d triangles in the scene", t.Resolution, MaxTriangles)
	}
	if d.err != nil {
		return nil
	}
	return t.Mesh()
}

// pair reads a required array of two numbers.
func (d *decoder) pair(o object, key string) [2]float64 {
	n := o.need(key)
	if n == nil || !d.isKind(n, arrayNode, o.name(key)) {
		return [2]float64{1, 1}
	}
	if len(n.elems) != 2 {
		d.fail(n.off, ErrType, "%s: expected an array of 2 numbers, got %d elements", o.name(key), len(n.elems))
		return [2]float64{1, 1}
	}
	return [2]float64{d.number(n.elems[0], o.name(key), 1), d.number(n.elems[1], o.name(key), 1)}
}
