package scene

import (
	"errors"
	"io"
	"io/fs"
	"path"
	"path/filepath"
)

// quad reads four vertices into a two-triangle mesh.
func (d *decoder) quad(o object) *Mesh {
	n := o.need("vertices")
	if n == nil || !d.isKind(n, arrayNode, o.name("vertices")) {
		return nil
	}
	if len(n.elems) != 4 {
		d.fail(n.off, ErrType, "quad vertices: expected 4 points, got %d", len(n.elems))
		return nil
	}
	m := &Mesh{Faces: [][3]uint32{{0, 1, 2}, {0, 2, 3}}}
	for _, e := range n.elems {
		m.Positions = append(m.Positions, d.vec(e, "quad vertex", Vec3{}))
	}
	if d.err == nil && !nonDegenerate(m) {
		o.invalid("vertices", "quad has zero area")
	}
	return m
}

// nonDegenerate reports whether some face of m has a non-zero area.
func nonDegenerate(m *Mesh) bool {
	for _, f := range m.Faces {
		a, b, c := m.Positions[f[0]], m.Positions[f[1]], m.Positions[f[2]]
		if b.Sub(a).Cross(c.Sub(a)).Length() > 0 {
			return true
		}
	}
	return false
}

// meshFile loads the OBJ file named by "file", relative to the scene.
func (d *decoder) meshFile(o object) *Mesh {
	file := o.reqStr("file")
	smooth := o.boolean("smooth", false)
	if d.err != nil {
		return nil
	}
	m := d.meshes[file]
	if m == nil {
		m = d.loadOBJ(o, file)
		if m == nil {
			return nil
		}
		if d.meshes == nil {
			d.meshes = map[string]*Mesh{}
		}
		d.meshes[file] = m
	}
	if !smooth {
		return &Mesh{Positions: m.Positions, Faces: m.Faces}
	}
	if m.Normals == nil {
		return &Mesh{Positions: m.Positions, Faces: m.Faces, Normals: vertexNormals(m)}
	}
	return m
}

func (d *decoder) loadOBJ(o object, file string) *Mesh {
	off := o.get("file").off
	if !fs.ValidPath(file) || file == "." {
		d.fail(off, ErrValue, "mesh file: %q must be a relative path inside the scene's directory", file)
		return nil
	}
	if d.fsys == nil {
		d.fail(off, ErrNotFound, "mesh file: %q not found (no directory to load it from)", file)
		return nil
	}
	f, err := d.fsys.Open(file)
	if err != nil {
		sentinel := ErrNotFound
		if !errors.Is(err, fs.ErrNotExist) {
			sentinel = ErrValue
		}
		d.fail(off, sentinel, "mesh file: %q cannot be opened: %v", file, oneLine(err))
		return nil
	}
	defer f.Close()
	name := filepath.Join(filepath.Dir(d.file), filepath.FromSlash(path.Clean(file)))
	m, err := ParseOBJ(name, io.LimitReader(f, MaxOBJSize+1), MaxTriangles-d.tris)
	if err != nil {
		if d.err == nil {
			d.err = err
		}
		return nil
	}
	return m
}

// vertexNormals returns area-weighted vertex normals of m.
func vertexNormals(m *Mesh) []Vec3 {
	ns := make([]Vec3, len(m.Positions))
	for _, f := range m.Faces {
		a, b, c := m.Positions[f[0]], m.Positions[f[1]], m.Positions[f[2]]
		n := b.Sub(a).Cross(c.Sub(a))
		for _, i := range f {
			ns[i] = ns[i].Add(n)
		}
	}
	for i := range ns {
		ns[i] = ns[i].Normalize()
	}
	return ns
}
