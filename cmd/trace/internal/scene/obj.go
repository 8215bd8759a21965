package scene

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// maxOBJLine bounds the length of one OBJ line (bufio.Scanner buffer).
const maxOBJLine = 1 << 20

// objReader holds the state of one OBJ parse.
type objReader struct {
	name    string
	line    int
	maxTris int
	v, vn   []Vec3
	mesh    Mesh
	index   map[[2]int]uint32 // (v, vn) pair -> mesh vertex
	normals int               // face corners that carried a normal
	corners int               // face corners in all
}

// ParseOBJ reads a Wavefront OBJ mesh: "v" positions, "vn" normals and "f"
// polygons (triangulated as fans; indices may be "v", "v/vt", "v//vn" or
// "v/vt/vn", negative indices count back from the end). Texture
// coordinates, groups, smoothing groups and material statements are read
// and ignored; any other statement is an error. Normals are kept only when
// every face corner has one.
//
// At most maxTriangles triangles are accepted. Errors are *Error values
// naming name and the line, wrapping ErrSyntax, ErrValue or ErrLimit.
func ParseOBJ(name string, r io.Reader, maxTriangles int) (*Mesh, error) {
	p := &objReader{name: name, maxTris: maxTriangles, index: map[[2]int]uint32{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxOBJLine)
	read := 0
	for sc.Scan() {
		p.line++
		read += len(sc.Bytes()) + 1
		if read > MaxOBJSize {
			return nil, p.errorf(ErrLimit, "file larger than %d bytes", MaxOBJSize)
		}
		if err := p.statement(sc.Bytes()); err != nil {
			return nil, err
		}
	}
	if err := sc.Err(); err != nil {
		return nil, p.errorf(ErrSyntax, "%s", oneLine(err))
	}
	return p.finish()
}

func (p *objReader) errorf(sentinel error, format string, args ...any) error {
	return &Error{File: p.name, Line: max(p.line, 1), Msg: fmt.Sprintf(format, args...), Err: sentinel}
}

func (p *objReader) statement(line []byte) error {
	if i := bytes.IndexByte(line, '#'); i >= 0 {
		line = line[:i]
	}
	fields := strings.Fields(string(line))
	if len(fields) == 0 {
		return nil
	}
	switch fields[0] {
	case "v":
		return p.vertex(fields[1:], &p.v)
	case "vn":
		return p.vertex(fields[1:], &p.vn)
	case "f":
		return p.face(fields[1:])
	case "vt", "vp", "o", "g", "s", "usemtl", "mtllib", "l", "p":
		return nil
	}
	return p.errorf(ErrSyntax, "unknown statement %q", clip(fields[0]))
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) > 32 {
		return s[:32] + "..."
	}
	return s
}

// vertex parses "x y z [w]" (positions may carry a w or an RGB colour,
// which are ignored).
func (p *objReader) vertex(f []string, dst *[]Vec3) error {
	if len(f) < 3 || len(f) > 6 {
		return p.errorf(ErrSyntax, "expected 3 coordinates, got %d", len(f))
	}
	var c [3]float64
	for i := range c {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
			return p.errorf(ErrSyntax, "invalid coordinate %q", clip(f[i]))
		}
		c[i] = v
	}
	if len(*dst) >= MaxTriangles {
		return p.errorf(ErrLimit, "more than %d vertices", MaxTriangles)
	}
	*dst = append(*dst, Vec3{c[0], c[1], c[2]})
	return nil
}

// face parses a polygon and appends it as a triangle fan.
func (p *objReader) face(f []string) error {
	if len(f) < 3 {
		return p.errorf(ErrSyntax, "face needs at least 3 vertices, got %d", len(f))
	}
	var first, prev uint32
	for i, s := range f {
		vi, err := p.corner(s)
		if err != nil {
			return err
		}
		switch {
		case i == 0:
			first = vi
		case i >= 2:
			if len(p.mesh.Faces) >= p.maxTris {
				return p.errorf(ErrLimit, "more than %d triangles", p.maxTris)
			}
			p.mesh.Faces = append(p.mesh.Faces, [3]uint32{first, prev, vi})
		}
		prev = vi
	}
	return nil
}

// corner parses "v", "v/vt", "v//vn" or "v/vt/vn" and returns the index of
// the mesh vertex for that (position, normal) pair.
func (p *objReader) corner(s string) (uint32, error) {
	parts := strings.Split(s, "/")
	if len(parts) > 3 {
		return 0, p.errorf(ErrSyntax, "invalid face vertex %q", clip(s))
	}
	v, err := p.ref(parts[0], len(p.v), "vertex")
	if err != nil {
		return 0, err
	}
	vn := -1
	if len(parts) == 3 && parts[2] != "" {
		if vn, err = p.ref(parts[2], len(p.vn), "normal"); err != nil {
			return 0, err
		}
		p.normals++
	}
	p.corners++
	key := [2]int{v, vn}
	if i, ok := p.index[key]; ok {
		return i, nil
	}
	i := uint32(len(p.mesh.Positions))
	p.index[key] = i
	p.mesh.Positions = append(p.mesh.Positions, p.v[v])
	n := Vec3{}
	if vn >= 0 {
		n = p.vn[vn].Normalize()
	}
	p.mesh.Normals = append(p.mesh.Normals, n)
	return i, nil
}

// ref resolves a 1-based (or negative, relative) OBJ index into [0, n).
func (p *objReader) ref(s string, n int, what string) (int, error) {
	i, err := strconv.Atoi(s)
	if err != nil {
		return 0, p.errorf(ErrSyntax, "invalid %s index %q", what, clip(s))
	}
	if i < 0 {
		i += n + 1
	}
	if i < 1 || i > n {
		return 0, p.errorf(ErrValue, "%s index %s out of range (%d defined so far)", what, clip(s), n)
	}
	return i - 1, nil
}

// finish checks that the mesh has some area and drops partial normals.
func (p *objReader) finish() (*Mesh, error) {
	m := &p.mesh
	if len(m.Faces) == 0 {
		return nil, p.errorf(ErrValue, "mesh has no faces")
	}
	if !nonDegenerate(m) {
		return nil, p.errorf(ErrValue, "mesh has zero area")
	}
	if p.normals != p.corners {
		m.Normals = nil
	}
	return m, nil
}
