package render

import (
	"fmt"
	"math"
	"unsafe"

	"github.com/shmrun/shmrun/cmd/trace/internal/scene"
)

// Compile turns a parsed scene into the flat blob that Open reads. The
// blob is immutable for the whole animation: static geometry is baked into
// world space under one bottom-level BVH; each moving object (and each
// static one whose transform cannot be baked, such as a rotated box) gets
// its own object-space BVH, placed by its keyframes at render time; a
// top-level BVH over all of them uses bounds that hold at every time.
//
// The returned slice is 8-byte aligned (it is backed by a []uint64) and
// holds no pointers, so it can be copied into shared memory as is. Compile
// is deterministic: the same scene gives the same bytes.
func Compile(s *scene.Scene) ([]byte, error) {
	if s == nil || len(s.Camera.Keys) == 0 {
		return nil, fmt.Errorf("%w: scene has no camera", ErrCompile)
	}
	c := &compiler{}
	c.addMaterials(s)
	c.addLights(s)
	for i := range s.Objects {
		c.object(&s.Objects[i])
	}
	if len(c.tris)+len(c.spheres)+len(c.boxes) > maxItems {
		return nil, fmt.Errorf("%w: more than %d primitives", ErrCompile, maxItems)
	}
	if len(c.static) > 0 {
		c.place(c.static, []scene.TransformKey{{Transform: scene.Identity}}, instIdentity)
	}
	c.buildTLAS()
	return c.encode(s)
}

// buildTLAS builds the top-level tree and puts the instances in the order
// of its leaves, so that a leaf's range indexes the instances directly.
func (c *compiler) buildTLAS() {
	if len(c.tlasItems) == 0 {
		return
	}
	b := &bvhBuilder{}
	b.build(c.tlasItems)
	insts := make([]instance, len(c.insts))
	for i, ref := range b.refs {
		insts[i] = c.insts[ref]
	}
	c.tlas, c.insts = b.nodes, insts
}

// compiler accumulates the sections of a blob.
type compiler struct {
	bvhBuilder
	tris      []triangle
	normals   []triNormals
	spheres   []sphere
	boxes     []box
	planes    []plane
	mats      []material
	lights    []light
	insts     []instance
	keys      []scene.TransformKey
	tlas      []bvhNode
	static    []item // world-space primitives of the static geometry
	tlasItems []item // swept world bounds of each instance
}

func (c *compiler) addMaterials(s *scene.Scene) {
	for _, m := range s.Materials {
		c.mats = append(c.mats, material{
			Kind: uint32(m.Kind), Color: Vec(m.Color), Emission: Vec(m.Emission),
			Roughness: m.Roughness, IOR: m.IOR, Scale: m.Scale,
			Even: uint32(m.Even), Odd: uint32(m.Odd),
		})
	}
}

// addLights records every light and adds the visible geometry of area lights,
// each with its own emissive material flagged matLight.
func (c *compiler) addLights(s *scene.Scene) {
	for _, l := range s.Lights {
		rec := light{Kind: uint32(l.Kind), P: Vec(l.Position), Radius: l.Radius, Emission: Vec(l.Emission)}
		mat := uint32(len(c.mats))
		switch l.Kind {
		case scene.RectLight:
			rec.P, rec.U, rec.V = Vec(l.Corner), Vec(l.EdgeU), Vec(l.EdgeV)
			n := rec.U.Cross(rec.V)
			rec.Area, rec.N = n.Length(), n.Normalize()
			c.mats = append(c.mats, material{Kind: matEmit, Flags: matLight, Emission: rec.Emission})
			q := []Vec{rec.P, rec.P.Add(rec.U), rec.P.Add(rec.U).Add(rec.V), rec.P.Add(rec.V)}
			c.static = append(c.static, c.triangle(q[0], q[1], q[2], nil, mat), c.triangle(q[0], q[2], q[3], nil, mat))
		case scene.SphereLight:
			rec.Area = 4 * math.Pi * l.Radius * l.Radius
			c.mats = append(c.mats, material{Kind: matEmit, Flags: matLight, Emission: rec.Emission})
			c.static = append(c.static, c.sphere(rec.P, l.Radius, mat))
		}
		c.lights = append(c.lights, rec)
	}
}

// object adds one scene object, baked into the static geometry when its
// transform allows, otherwise as an instance.
func (c *compiler) object(o *scene.Object) {
	k := o.Keys[0]
	m := k.Matrix()
	static := len(o.Keys) == 1
	mat := uint32(o.Material)
	switch o.Kind {
	case scene.PlaneObject:
		c.planes = append(c.planes, plane{Point: Vec(o.Point), Normal: Vec(o.Normal), Mat: mat})
	case scene.SphereObject:
		if static && k.Scale.X == k.Scale.Y && k.Scale.Y == k.Scale.Z {
			c.static = append(c.static, c.sphere(Vec(m.Point(o.Center)), o.Radius*k.Scale.X, mat))
			return
		}
		c.place([]item{c.sphere(Vec(o.Center), o.Radius, mat)}, o.Keys, 0)
	case scene.BoxObject:
		if static && k.Rotate == (scene.Vec3{}) {
			c.static = append(c.static, c.box(Vec(m.Point(o.Min)), Vec(m.Point(o.Max)), mat))
			return
		}
		c.place([]item{c.box(Vec(o.Min), Vec(o.Max), mat)}, o.Keys, 0)
	case scene.MeshObject:
		if static {
			c.static = append(c.static, c.mesh(o.Mesh, m, mat)...)
			return
		}
		c.place(c.mesh(o.Mesh, scene.Identity.Matrix(), mat), o.Keys, 0)
	}
}

// place builds a bottom-level tree over items and an instance for it.
func (c *compiler) place(items []item, keys []scene.TransformKey, flags uint32) {
	lo, hi := bounds(items)
	root := c.build(items)
	wlo, whi := scene.SweptBounds(keys, scene.Vec3(lo), scene.Vec3(hi))
	c.tlasItems = append(c.tlasItems, item{lo: Vec(wlo), hi: Vec(whi), ref: uint32(len(c.insts))})
	c.insts = append(c.insts, instance{Root: root, KeyFirst: uint32(len(c.keys)), KeyCount: uint32(len(keys)), Flags: flags})
	c.keys = append(c.keys, keys...)
}

func (c *compiler) sphere(center Vec, r float64, mat uint32) item {
	c.spheres = append(c.spheres, sphere{Center: center, Radius: r, Mat: mat})
	e := Vec{r, r, r}
	return item{lo: center.Sub(e), hi: center.Add(e), ref: refSphere<<refShift | uint32(len(c.spheres)-1)}
}

func (c *compiler) box(lo, hi Vec, mat uint32) item {
	lo, hi = lo.Min(hi), lo.Max(hi)
	c.boxes = append(c.boxes, box{Min: lo, Max: hi, Mat: mat})
	return item{lo: lo, hi: hi, ref: refBox<<refShift | uint32(len(c.boxes)-1)}
}

// triangle adds one triangle; ns holds its three vertex normals or is nil.
func (c *compiler) triangle(a, b, d Vec, ns []Vec, mat uint32) item {
	t := triangle{A: a, E1: b.Sub(a), E2: d.Sub(a), Mat: mat, Normals: noNormals}
	if ns != nil {
		t.Normals = uint32(len(c.normals))
		c.normals = append(c.normals, triNormals{ns[0], ns[1], ns[2]})
	}
	c.tris = append(c.tris, t)
	return item{lo: a.Min(b).Min(d), hi: a.Max(b).Max(d), ref: refTriangle<<refShift | uint32(len(c.tris)-1)}
}

// mesh adds the triangles of m transformed by xf.
func (c *compiler) mesh(m *scene.Mesh, xf scene.Matrix, mat uint32) []item {
	inv := xf.Inverse()
	items := make([]item, 0, len(m.Faces))
	var ns []Vec
	for _, f := range m.Faces {
		p := func(i int) Vec { return Vec(xf.Point(m.Positions[f[i]])) }
		if m.Normals != nil {
			ns = append(ns[:0], Vec(inv.Normal(m.Normals[f[0]])), Vec(inv.Normal(m.Normals[f[1]])), Vec(inv.Normal(m.Normals[f[2]])))
		}
		items = append(items, c.triangle(p(0), p(1), p(2), ns, mat))
	}
	return items
}

// encode lays the sections out after the header and copies them in.
func (c *compiler) encode(s *scene.Scene) ([]byte, error) {
	h := header{Magic: blobMagic, Version: blobVersion, Duration: s.Duration, FPS: s.FPS,
		Exposure: s.Render.Exposure, Background: uint32(s.Background.Kind),
		BgColor: Vec(s.Background.Color), Zenith: Vec(s.Background.Zenith),
		Horizon: Vec(s.Background.Horizon), Ground: Vec(s.Background.Ground), Ambient: Vec(s.Ambient)}
	if s.Camera.Smooth {
		h.Flags |= flagSmoothCamera
	}
	if s.Render.ToneMap == "aces" {
		h.ToneMap = toneACES
	}
	data := [numSections][]byte{
		secNodes: bytesOf(c.nodes), secRefs: bytesOf(c.refs), secTriangles: bytesOf(c.tris),
		secNormals: bytesOf(c.normals), secSpheres: bytesOf(c.spheres), secBoxes: bytesOf(c.boxes),
		secPlanes: bytesOf(c.planes), secMaterials: bytesOf(c.mats), secLights: bytesOf(c.lights),
		secInstances: bytesOf(c.insts), secKeys: bytesOf(c.keys), secTLAS: bytesOf(c.tlas),
		secCamera: bytesOf(s.Camera.Keys),
	}
	off := alignUp(uint64(unsafe.Sizeof(h)))
	for i, d := range data {
		h.Sections[i] = section{Off: uint32(off), Count: uint32(uint64(len(d)) / uint64(sizeOf[i]))}
		off = alignUp(off + uint64(len(d)))
		if off > math.MaxUint32 {
			return nil, fmt.Errorf("%w: blob larger than 4 GiB", ErrCompile)
		}
	}
	h.Size = off
	b := bytesOf(make([]uint64, off/8))
	copy(b, bytesOf([]header{h}))
	for i, d := range data {
		copy(b[h.Sections[i].Off:], d)
	}
	return b, nil
}

func alignUp(n uint64) uint64 { return (n + sectionAlign - 1) &^ (sectionAlign - 1) }
