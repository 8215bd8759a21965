package render

import (
	"math"

	"github.com/shmrun/shmrun/cmd/trace/internal/scene"
)

// This file is the light buffer of point lights (after Haines and
// Greenberg, "The light buffer: a shadow-testing accelerator", 1986). Every
// point on a shadow ray to a point light lies in one direction from the
// light, so a cube around the light, each face divided into res x res
// cells, can list per cell every world reference whose box some
// direction of the cell meets: a shadow ray then tests its cell's list (any
// hit, in list order) instead of walking the world tree. Most cells of a
// scene hold nothing or a few spheres. The answer is the tree's: the list
// holds every reference that could block the ray, and occlusion is a yes
// or no, whatever order the candidates are tested in.
//
// Compile builds the buffers, after the world tree, for the first
// shadowMaxLights point lights only (an area light's shadow rays end at
// many points), at a resolution that grows with the scene (up to 1.5 MiB a
// buffer). A cell whose list would be longer than shadowMaxList is marked
// shadowWalk: its rays walk the tree, which costs less than a long list.

const (
	shadowMaxRes    = 128
	shadowMaxList   = 12
	shadowMaxLights = 8
	noShadow        = ^uint32(0) // light.Shadow of a light without a buffer
	shadowWalk      = ^uint32(0) // cellRange.First of a cell whose rays walk the tree
)

// cellRange is the list of a light-buffer cell in secShadowRefs.
type cellRange struct {
	First, Count uint32
}

// cubeFace maps a direction to its cube face (major axis a, 2a for a
// positive and 2a+1 for a negative component) and its face coordinates in
// [-1, 1]: the other two components divided by the major one's magnitude.
// Ties go to the lower axis.
func cubeFace(d Vec) (face int, u, v float64) {
	ax, ay, az := math.Abs(d.X), math.Abs(d.Y), math.Abs(d.Z)
	switch {
	case ax >= ay && ax >= az:
		inv := 1 / ax
		return signFace(0, d.X), d.Y * inv, d.Z * inv
	case ay >= az:
		inv := 1 / ay
		return signFace(1, d.Y), d.X * inv, d.Z * inv
	}
	inv := 1 / az
	return signFace(2, d.Z), d.X * inv, d.Y * inv
}

func signFace(axis int, c float64) int {
	if c < 0 {
		return 2*axis + 1
	}
	return 2 * axis
}

// shadowRes returns the resolution of the light buffers of a scene of n
// world references: enough cells that few objects share one.
func shadowRes(n int) int {
	switch {
	case n < 8:
		return 32
	case n < 64:
		return 64
	}
	return shadowMaxRes
}

// cellOf returns the cell of face coordinate u in [-1, 1] (clamped, NaN to
// 0) at resolution res.
func cellOf(u float64, res int) int {
	i := int((u + 1) * float64(res/2))
	return min(max(i, 0), res-1)
}

// shadowList returns the cell list for a shadow ray from o to the point
// light l, or ok false when the ray should walk the tree.
func (s *Scene) shadowList(l *light, o Vec) (refs []uint32, ok bool) {
	if l.Shadow == noShadow {
		return nil, false
	}
	face, u, v := cubeFace(o.Sub(l.P))
	res := int(l.ShadowRes)
	c := s.shadowCells[l.Shadow+uint32(face*res*res+cellOf(v, res)*res+cellOf(u, res))]
	if c.First == shadowWalk {
		return nil, false
	}
	return s.shadowRefs[c.First : c.First+c.Count], true
}

// lightBuffer collects the cells of one light: per cell, the references
// whose boxes it may see.
type lightBuffer struct {
	res   int
	cells [][]uint32
}

func newLightBuffer(res int) *lightBuffer {
	return &lightBuffer{res: res, cells: make([][]uint32, 6*res*res)}
}

// add lists ref in every cell from which, seen from the light at p, some
// point of the box [lo, hi] may lie, widened by a fifth of a cell for the
// rounding of lookups (shadow rays aim at the light, so every point of one
// is in its cell). A box nearer the light than near is in every cell; a box
// reaching behind a face's plane is in all of that face.
func (b *lightBuffer) add(p, lo, hi Vec, near float64, ref uint32) {
	if q := p.Max(lo).Min(hi).Sub(p); q.Dot(q) < near*near {
		for c := range b.cells {
			b.cells[c] = append(b.cells[c], ref)
		}
		return
	}
	res, pad := b.res, 0.4/float64(b.res)
	for face := range 6 {
		a, neg := face/2, face%2 == 1
		u0, u1, v0, v1, seen := faceRect(p, lo, hi, a, neg)
		if !seen {
			continue
		}
		for j := cellOf(v0-pad, res); j <= cellOf(v1+pad, res); j++ {
			for i := cellOf(u0-pad, res); i <= cellOf(u1+pad, res); i++ {
				c := face*res*res + j*res + i
				b.cells[c] = append(b.cells[c], ref)
			}
		}
	}
}

// faceRect returns the rectangle of face coordinates that the box's
// corners project to on the face of axis a (negative side if neg), or seen
// false when the box is wholly behind the face's plane or projects outside
// the face. A box reaching behind the plane gets the whole face.
func faceRect(p, lo, hi Vec, a int, neg bool) (u0, u1, v0, v1 float64, seen bool) {
	b, c := (a+1)%3, (a+2)%3
	if b > c {
		b, c = c, b
	}
	u0, v0, u1, v1 = math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	behind, front := false, false
	for k := range 8 {
		q := Vec{pick(k&1, lo.X, hi.X), pick(k&2, lo.Y, hi.Y), pick(k&4, lo.Z, hi.Z)}.Sub(p)
		depth := q.Axis(a)
		if neg {
			depth = -depth
		}
		if !(depth > 1e-9*(1+math.Abs(p.Axis(a)))) {
			behind = true
			continue
		}
		front = true
		u, v := q.Axis(b)/depth, q.Axis(c)/depth
		u0, u1, v0, v1 = min(u0, u), max(u1, u), min(v0, v), max(v1, v)
	}
	switch {
	case !front:
		return 0, 0, 0, 0, false
	case behind:
		return -1, 1, -1, 1, true
	}
	return u0, u1, v0, v1, u0 <= 1 && u1 >= -1 && v0 <= 1 && v1 >= -1
}

func pick(bit int, lo, hi float64) float64 {
	if bit != 0 {
		return hi
	}
	return lo
}

// addShadows builds a light buffer for every point light over the world
// tree's references and records where each starts.
func (c *compiler) addShadows() {
	refs := c.worldRefs(c.world, nil)
	los, his := make([]Vec, len(refs)), make([]Vec, len(refs))
	extent := 0.0 // largest coordinate magnitude of any reference or light
	for k, ref := range refs {
		los[k], his[k] = c.refBounds(ref)
		extent = max(extent, los[k].Neg().Max(his[k]).MaxComponent(), his[k].Neg().Max(los[k]).MaxComponent())
	}
	for _, l := range c.lights {
		extent = max(extent, math.Abs(l.P.X), math.Abs(l.P.Y), math.Abs(l.P.Z))
	}
	near := 1e-9 * (1 + extent)
	buffers := 0
	for i := range c.lights {
		l := &c.lights[i]
		l.Shadow = noShadow
		if l.Kind != lightPoint || buffers == shadowMaxLights {
			continue
		}
		buffers++
		b := newLightBuffer(shadowRes(len(refs)))
		for k, ref := range refs {
			b.add(l.P, los[k], his[k], near, ref)
		}
		l.Shadow, l.ShadowRes = uint32(len(c.shadowCells)), uint32(b.res)
		for _, list := range b.cells {
			cell := cellRange{First: shadowWalk}
			if len(list) <= shadowMaxList {
				cell = cellRange{First: uint32(len(c.shadowRefs)), Count: uint32(len(list))}
				c.shadowRefs = append(c.shadowRefs, list...)
			}
			c.shadowCells = append(c.shadowCells, cell)
		}
	}
}

// worldRefs appends the references under the child word w.
func (c *compiler) worldRefs(w uint32, refs []uint32) []uint32 {
	if w&childLeaf != 0 {
		first, n := leafRange(w)
		return append(refs, c.refs[first:first+n]...)
	}
	for _, ch := range c.nodes[w].Child {
		refs = c.worldRefs(ch, refs)
	}
	return refs
}

// refBounds returns the world bounds of a world reference: an instance's
// hold for the whole animation.
func (c *compiler) refBounds(ref uint32) (lo, hi Vec) {
	i := ref & refMask
	switch ref >> refShift {
	case refTriangle:
		t := &c.tris[i]
		b, d := t.A.Add(t.E1), t.A.Add(t.E2)
		return t.A.Min(b).Min(d), t.A.Max(b).Max(d)
	case refSphere:
		s := &c.spheres[i]
		e := Vec{s.Radius, s.Radius, s.Radius}
		return s.Center.Sub(e), s.Center.Add(e)
	case refBox:
		return c.boxes[i].Min, c.boxes[i].Max
	}
	in := &c.insts[i]
	wlo, whi := scene.SweptBounds(c.keys[in.KeyFirst:in.KeyFirst+in.KeyCount], scene.Vec3(in.Lo), scene.Vec3(in.Hi))
	return Vec(wlo), Vec(whi)
}
