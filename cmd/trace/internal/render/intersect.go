package render

import (
	"math"
	"unsafe"
)

// This file finds the closest surface along a ray, or any surface for
// shadow rays. It is the hot path: no interfaces, no allocation, no
// recursion; the few slices are loaded into locals.

const tMin = 1e-7 // closest hit distance (spawned rays are also offset)

var inf = math.Inf(1)

// What hit.inst holds besides an instance index.
const (
	instWorld = -1 // a primitive of the world tree, in world space
	instPlane = -2 // a plane; ref is its index
	instNone  = -3 // nothing hit yet
)

// hit is the closest intersection found so far.
type hit struct {
	t    float64
	u, v float64 // triangle barycentrics
	ref  uint32  // primitive reference, or plane index
	inst int32   // instance index, or instWorld, instPlane, instNone
}

// tracer carries what one tile's rays need: the scene, the frame, a ray
// counter and the traversal stacks. It lives on the stack of RenderTile, so
// the stacks are zeroed once per tile rather than once per ray.
type tracer struct {
	s       *Scene
	f       *frameState
	rng     RNG    // the current sample's stream, once seeded (see random)
	seed    [4]int // the current sample's frame, x, y and index
	seeded  bool   // whether rng is the current sample's
	rays    uint64
	top     traversal // the world tree
	bot     traversal // an instance's tree (one at a time)
	first   [maxFirst]uint32
	nfirst  int     // the current pixel group's references (see firstRefs)
	firstOK bool    // whether camera rays test first[:nfirst]
	scale   float64 // the camera's pixelScale for images scaleH high
	scaleH  int
	batch   rowBatch // a row's stages (see row)
}

// random returns the current sample's random numbers, seeding them on
// first use: most Whitted samples draw none, and seeding costs three
// rounds of mixing. The stream is the same as seeded up front.
func (tr *tracer) random() *RNG {
	if !tr.seeded {
		tr.rng, tr.seeded = NewRNG(tr.seed[0], tr.seed[1], tr.seed[2], tr.seed[3]), true
	}
	return &tr.rng
}

// stackSize bounds a walk's stack: a node visit pops one entry and pushes
// at most four, and Open bounds the height at maxTreeDepth nodes.
const stackSize = 3*maxTreeDepth + 1

// traversal is a stack of children still to visit, with their entry
// distances.
type traversal struct {
	e [stackSize]entry
}

type entry struct {
	child uint32
	t     int32 // entry distance, as bits
}

// intersect finds into h the closest hit along o + t*d with t < tmax,
// for a unit direction d, and reports whether there is one. (h is written
// in place for the reason surface is.)
func (tr *tracer) intersect(o, d Vec, tmax float64, h *hit) bool {
	if tr.s.worldOK {
		return tr.intersectList(tr.s.world, o, d, tmax, h)
	}
	return tr.intersectTree(o, d, tmax, h)
}

// intersectTree is intersect through the world tree.
func (tr *tracer) intersectTree(o, d Vec, tmax float64, h *hit) bool {
	tr.rays++
	var r ray
	r.set(o, d)
	*h = hit{t: tmax, inst: instNone}
	tr.planes(&r, h)
	tr.walk(tr.s.hdr.World, &r, h, instWorld, false, &tr.top)
	return h.inst != instNone
}

// occluded reports whether anything lies along o + t*d for t < tmax, for
// a unit direction d.
func (tr *tracer) occluded(o, d Vec, tmax float64) bool {
	if tr.s.worldOK {
		return tr.occludedBy(tr.s.world, o, d, tmax)
	}
	return tr.occludedTree(o, d, tmax)
}

// occludedTree is occluded through the world tree. The ray visits the
// children of every node far side first (the visiting order of the
// opposite octant): a shadow ray leaves its surface, so the boxes around
// its origin, which near first visits first, rarely block it. On the
// terrain's shadow rays (a quarter blocked) that is 8% fewer node visits
// and 21% fewer primitive tests, and the answer is the same in any order.
func (tr *tracer) occludedTree(o, d Vec, tmax float64) bool {
	tr.rays++
	var r ray
	r.set(o, d)
	r.oct ^= 7
	h := hit{t: tmax, inst: instNone}
	tr.planes(&r, &h)
	if h.inst != instNone {
		return true
	}
	return tr.walk(tr.s.hdr.World, &r, &h, instWorld, true, &tr.top)
}

// occludedBy is occluded with the world tree replaced by a light-buffer
// list: refs holds every world reference that could block the ray.
func (tr *tracer) occludedBy(refs []uint32, o, d Vec, tmax float64) bool {
	tr.rays++
	var r ray
	r.setLine(o, d)
	h := hit{t: tmax, inst: instNone}
	tr.planes(&r, &h)
	return h.inst != instNone || (len(refs) > 0 && tr.leaf(refs, &r, &h, instWorld, true)) // most lists are empty
}

// planes tests every plane. The distance num/den is compared scaled by
// den first, so a ray divides only when it hits a plane closer than h.t:
// a shadow ray, which needs no distance, only for a hit.
func (tr *tracer) planes(r *ray, h *hit) {
	planes, o, d := tr.s.planes, r.o, r.d // loaded once: the stores to h might alias them
	for i := range planes {
		p := &planes[i]
		num, den := p.Offset-o.Dot(p.Normal), d.Dot(p.Normal)
		switch {
		case den > 0:
			if !(num > tMin*den && num < h.t*den) {
				continue
			}
		case den < 0:
			if !(num < tMin*den && num > h.t*den) {
				continue
			}
		default:
			continue
		}
		if t := num / den; t > tMin && t < h.t {
			h.t, h.ref, h.inst = t, uint32(i), instPlane
		}
	}
}

// walk visits the tree whose root is the child word root and reports
// whether it found a hit closer than h.t (updating h, with inst for the
// hit's instance). With anyHit it stops at the first hit. Only the world
// tree (inst instWorld) may refer to instances; elsewhere such references
// are skipped, so that a corrupted blob cannot recurse. A walk visits
// each node at most once in the forest Open checked; more visits than
// nodes mean the blob changed into a cycle since, and walk panics with
// errCycle, which RenderTile reports as ErrCorrupt. It prepares r's box
// data when the root is a node.
func (tr *tracer) walk(root uint32, r *ray, h *hit, inst int32, anyHit bool, st *traversal) bool {
	nodes, refs := tr.s.nodes, tr.s.refs
	if root&childLeaf == 0 {
		r.prepare()
	}
	tmax := r.limit(h.t)
	sp, c, found, visits := 0, root, false, len(nodes)
	for {
		if c&childLeaf == 0 {
			if visits--; visits < 0 {
				panic(errCycle)
			}
			sp = st.push(&nodes[c], r, tmax, sp)
		} else if first, cnt := leafRange(c); cnt > 0 && tr.leaf(refs[first:first+cnt], r, h, inst, anyHit) {
			found = true
			if anyHit {
				return true
			}
			tmax = r.limit(h.t)
		}
		for {
			if sp == 0 {
				return found
			}
			sp--
			if e := st.e[sp]; e.t <= tmax {
				c = e.child
				break
			}
		}
	}
}

// pushScalar tests the ray against the four children of n and pushes
// those it enters before tmax onto the stack above sp, last to visit
// first, so that the first to visit ends on top; it returns the new sp.
// Every child's entry is written and only a hit's kept, which spares a
// branch that the hardware could not predict. It is push of the plain
// build, and what the SIMD build's push must match (see push_simd.go).
//
// Distances are compared as the int32 bits of their float32 values (see
// bits): the branch-free integer min and max are much cheaper than the
// float ones, whose NaN and signed-zero rules cost five instructions each.
func (st *traversal) pushScalar(n *wideNode, r *ray, tmax int32, sp int) int {
	// One axis at a time over the four slots, in separate variables: a
	// loop over slots needed all twelve factors and six plane pointers at
	// once, more than the registers, and spilled them every slot. The
	// planes are found by the ray's byte offsets (see ray.planes), which
	// spares selecting each by its sign bit.
	b, m, a := n.plane(r.planes[0][0]), r.mul[0][0], r.add[0][0]
	t0, t1, t2, t3 := max(bits(b[0]*m+a), 0), max(bits(b[1]*m+a), 0), max(bits(b[2]*m+a), 0), max(bits(b[3]*m+a), 0)
	b, m, a = n.plane(r.planes[0][1]), r.mul[0][1], r.add[0][1]
	t0, t1, t2, t3 = max(bits(b[0]*m+a), t0), max(bits(b[1]*m+a), t1), max(bits(b[2]*m+a), t2), max(bits(b[3]*m+a), t3)
	b, m, a = n.plane(r.planes[0][2]), r.mul[0][2], r.add[0][2]
	t0, t1, t2, t3 = max(bits(b[0]*m+a), t0), max(bits(b[1]*m+a), t1), max(bits(b[2]*m+a), t2), max(bits(b[3]*m+a), t3)
	b, m, a = n.plane(r.planes[1][0]), r.mul[1][0], r.add[1][0]
	e0, e1, e2, e3 := min(bits(b[0]*m+a), tmax), min(bits(b[1]*m+a), tmax), min(bits(b[2]*m+a), tmax), min(bits(b[3]*m+a), tmax)
	b, m, a = n.plane(r.planes[1][1]), r.mul[1][1], r.add[1][1]
	e0, e1, e2, e3 = min(bits(b[0]*m+a), e0), min(bits(b[1]*m+a), e1), min(bits(b[2]*m+a), e2), min(bits(b[3]*m+a), e3)
	b, m, a = n.plane(r.planes[1][2]), r.mul[1][2], r.add[1][2]
	e0, e1, e2, e3 = min(bits(b[0]*m+a), e0), min(bits(b[1]*m+a), e1), min(bits(b[2]*m+a), e2), min(bits(b[3]*m+a), e3)
	in := b2u(t0 <= e0) | b2u(t1 <= e1)<<1 | b2u(t2 <= e2)<<2 | b2u(t3 <= e3)<<3
	ts := [4]int32{t0, t1, t2, t3}
	ord := uint32(n.Order[r.oct&7])
	e := (*[wideSlots]entry)(st.e[sp : sp+wideSlots])
	k, s := uint32(0), ord>>6
	e[0] = entry{n.Child[s], ts[s]}
	k += in >> s & 1
	s = ord >> 4 & 3
	e[k&3] = entry{n.Child[s], ts[s]}
	k += in >> s & 1
	s = ord >> 2 & 3
	e[k&3] = entry{n.Child[s], ts[s]}
	k += in >> s & 1
	s = ord & 3
	e[k&3] = entry{n.Child[s], ts[s]}
	return sp + int(k+in>>s&1)
}

// plane returns the four planes of n at byte offset off, which must be
// one of a prepared ray's planes offsets.
func (n *wideNode) plane(off uint32) *[wideSlots]float32 {
	return (*[wideSlots]float32)(unsafe.Add(unsafe.Pointer(n), off))
}

// b2u returns 1 for true and 0 for false, without a branch.
func b2u(c bool) uint32 {
	var u uint32
	if c {
		u = 1
	}
	return u
}

// leaf tests the ray against the primitives (and, in the world tree, the
// instances) of a leaf and reports whether it hit one closer than h.t,
// updating h. With anyHit it returns at the first hit.
//
// The sphere and triangle tests are written out here rather than called:
// a call per primitive made the caller spill and reload its registers, which
// cost as much as the test. Each computes everything and decides with one
// branch on the OR of the sign bits of the quantities that must not be
// negative: a ray misses most primitives it meets, at random, and a branch
// per condition would be mispredicted about as often as taken.
func (tr *tracer) leaf(refs []uint32, r *ray, h *hit, inst int32, anyHit bool) bool {
	s, found := tr.s, false
	spheres := s.spheres // loaded once: the stores to h might alias it
	for _, ref := range refs {
		i := ref & refMask
		switch ref >> refShift {
		case refSphere:
			// |o + t*d - c| = radius with a = |d|^2 (1 for world rays)
			// and ia = 1/a from the ray: no division. A line that misses
			// the sphere leaves at once, before the square root: the
			// rays that test a sphere come from one pixel group or one
			// light-buffer cell, and miss or meet it alike, so this
			// branch is well predicted. (A NaN fails every comparison
			// below.)
			sp := &spheres[i]
			oc := r.o.Sub(sp.Center)
			b := oc.Dot(r.d)
			disc := b*b - r.a*(oc.Dot(oc)-sp.Radius*sp.Radius)
			if disc < 0 {
				continue
			}
			sq := math.Sqrt(disc)
			t := (-b - sq) * r.ia
			if t <= tMin { // inside the sphere, rarely
				t = (-b + sq) * r.ia
			}
			if (signs(t-tMin)|signs(h.t-t))>>63 != 0 || t != t {
				continue
			}
			h.t, h.ref = t, ref
		case refTriangle:
			// Moller-Trumbore with the barycentrics and the distance
			// compared scaled by the determinant, and divided for a hit.
			tri := &s.tris[i]
			p := r.d.Cross(tri.E2)
			det := tri.E1.Dot(p)
			adet, sgn := math.Abs(det), math.Copysign(1, det)
			o := r.o.Sub(tri.A)
			u := o.Dot(p) * sgn
			q := o.Cross(tri.E1)
			v := r.d.Dot(q) * sgn
			t := tri.E2.Dot(q) * sgn
			if (signs(u)|signs(v)|signs(adet-u-v)|signs(t-tMin*adet)|signs(h.t*adet-t)|signs(adet-1e-12))>>63 != 0 {
				continue
			}
			inv := 1 / adet
			h.t, h.u, h.v, h.ref = t*inv, u*inv, v*inv, ref
		case refBox:
			r.prepare()
			if !s.boxes[i].hit(r, h, ref) {
				continue
			}
		default:
			if inst != instWorld || !tr.traceInstance(i, r, h, anyHit) {
				continue
			}
			found = true
			if anyHit {
				return true
			}
			continue
		}
		h.inst, found = inst, true
		if anyHit {
			return true
		}
	}
	return found
}

// signs returns x's bits, whose top bit is x's sign.
func signs(x float64) uint64 { return math.Float64bits(x) }

// traceInstance intersects instance i if the ray meets its bounding
// sphere and enters its box at this frame, moving the ray into the
// instance's object space. The sphere test needs none of the box data,
// which a light buffer's shadow ray then need not prepare. Nor does an
// instance of one primitive (a root leaf, no tree to walk) need the box
// test of a ray not yet prepared: the test only culls (it never misses a
// hit), and three divisions cost more than the primitive's own test.
func (tr *tracer) traceInstance(i uint32, r *ray, h *hit, anyHit bool) bool {
	xf := &tr.f.xf[i]
	oc := xf.center.Sub(r.o)
	b := oc.Dot(r.d) // the ray is a world ray: d is unit
	// Misses: the line passes too far from the centre (allowing for the
	// cancellation in c - b*b), or the sphere is behind the origin or
	// beyond the closest hit so far.
	if c := oc.Dot(oc); c-b*b > xf.radius2+c*1e-14 || (b < 0 && c > xf.radius2) || b > h.t+xf.radius {
		return false
	}
	root := tr.s.insts[i].Root
	if root&childLeaf == 0 || r.boxed {
		r.prepare()
		if !xf.bounds.enters(r, r.limit(h.t)) {
			return false
		}
	}
	var lr ray
	lr.setScaled(xf.toObj.point(r.o), xf.toObj.dir(r.d))
	return tr.walk(root, &lr, h, int32(i), anyHit, &tr.bot)
}
