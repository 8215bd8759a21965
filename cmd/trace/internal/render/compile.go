package render

import (
	"fmt"
	"math"
	"unsafe"

	"github.com/shmrun/shmrun/cmd/trace/internal/scene"
)

// Compile turns a parsed scene into the flat blob that Open reads. The
// blob is immutable for the whole animation: static geometry is baked into
// world space; each moving object (and each static one whose transform
// cannot be baked, such as a rotated box) gets its own object-space BVH,
// an instance placed by its keyframes at render time. One world BVH holds
// the static primitives and the instances, the latter with bounds that
// hold at every time, so that a ray walks one tree and enters an
// instance's only where it meets the instance's box.
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
	if len(c.tris)+len(c.spheres)+len(c.boxes) > maxItems || len(c.insts) > maxItems {
		return nil, fmt.Errorf("%w: more than %d primitives or instances", ErrCompile, maxItems)
	}
	c.world = c.add(c.worldItems)
	c.reorder()
	c.addShadows()
	return c.encode(s)
}

// compiler accumulates the sections of a blob.
type compiler struct {
	wideBuilder
	tris        []triangle
	normals     []triNormals
	spheres     []sphere
	boxes       []box
	planes      []plane
	mats        []material
	lights      []light
	insts       []instance
	keys        []scene.TransformKey
	worldItems  []item // world-space primitives and instances' swept bounds
	world       uint32 // child word of the world tree's root
	shadowCells []cellRange
	shadowRefs  []uint32
}

// reorder puts the triangles (with their normals), spheres and boxes in
// the order the leaves refer to them, so that a ray meets primitives in
// memory order, and rewrites the references. Every primitive is in
// exactly one leaf.
func (c *compiler) reorder() {
	tris, normals := make([]triangle, 0, len(c.tris)), make([]triNormals, 0, len(c.normals))
	spheres, boxes := make([]sphere, 0, len(c.spheres)), make([]box, 0, len(c.boxes))
	for i, r := range c.refs {
		kind, idx := r>>refShift, r&refMask
		var next int
		switch kind {
		case refTriangle:
			t := c.tris[idx]
			if t.Normals != noNormals {
				normals = append(normals, c.normals[t.Normals])
				t.Normals = uint32(len(normals) - 1)
			}
			next, tris = len(tris), append(tris, t)
		case refSphere:
			next, spheres = len(spheres), append(spheres, c.spheres[idx])
		case refBox:
			next, boxes = len(boxes), append(boxes, c.boxes[idx])
		default:
			continue
		}
		c.refs[i] = kind<<refShift | uint32(next)
	}
	c.tris, c.normals, c.spheres, c.boxes = tris, normals, spheres, boxes
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
			c.worldItems = append(c.worldItems, c.triangle(q[0], q[1], q[2], nil, mat), c.triangle(q[0], q[2], q[3], nil, mat))
		case scene.SphereLight:
			rec.Area = 4 * math.Pi * l.Radius * l.Radius
			c.mats = append(c.mats, material{Kind: matEmit, Flags: matLight, Emission: rec.Emission})
			c.worldItems = append(c.worldItems, c.sphere(rec.P, l.Radius, mat))
		}
		c.lights = append(c.lights, rec)
	}
}

// object adds one scene object, baked into the world tree when its
// transform allows, otherwise as an instance.
func (c *compiler) object(o *scene.Object) {
	k := o.Keys[0]
	m := k.Matrix()
	static := len(o.Keys) == 1
	mat := uint32(o.Material)
	switch o.Kind {
	case scene.PlaneObject:
		c.planes = append(c.planes, plane{Normal: Vec(o.Normal), Offset: Vec(o.Point).Dot(Vec(o.Normal)), Mat: mat})
	case scene.SphereObject:
		if static && k.Scale.X == k.Scale.Y && k.Scale.Y == k.Scale.Z {
			c.worldItems = append(c.worldItems, c.sphere(Vec(m.Point(o.Center)), o.Radius*k.Scale.X, mat))
			return
		}
		c.place([]item{c.sphere(Vec(o.Center), o.Radius, mat)}, o.Keys)
	case scene.BoxObject:
		if static && k.Rotate == (scene.Vec3{}) {
			c.worldItems = append(c.worldItems, c.box(Vec(m.Point(o.Min)), Vec(m.Point(o.Max)), mat))
			return
		}
		c.place([]item{c.box(Vec(o.Min), Vec(o.Max), mat)}, o.Keys)
	case scene.MeshObject:
		if static {
			c.worldItems = append(c.worldItems, c.mesh(o.Mesh, m, mat)...)
			return
		}
		c.place(c.mesh(o.Mesh, scene.Identity.Matrix(), mat), o.Keys)
	}
}

// place builds an object-space tree over items and an instance for it,
// and adds the instance to the world tree with its swept bounds.
func (c *compiler) place(items []item, keys []scene.TransformKey) {
	lo, hi := bounds(items)
	root := c.add(items)
	wlo, whi := scene.SweptBounds(keys, scene.Vec3(lo), scene.Vec3(hi))
	c.worldItems = append(c.worldItems, item{lo: Vec(wlo), hi: Vec(whi), ref: refInstance<<refShift | uint32(len(c.insts))})
	c.insts = append(c.insts, instance{Root: root, KeyFirst: uint32(len(c.keys)), KeyCount: uint32(len(keys)), Lo: lo, Hi: hi})
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
	h := header{Magic: blobMagic, Version: blobVersion, World: c.world, Duration: s.Duration, FPS: s.FPS,
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
		secInstances: bytesOf(c.insts), secKeys: bytesOf(c.keys), secCamera: bytesOf(s.Camera.Keys),
		secShadowCells: bytesOf(c.shadowCells), secShadowRefs: bytesOf(c.shadowRefs),
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
