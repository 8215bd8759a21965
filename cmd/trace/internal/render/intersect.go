package render

import "math"

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
	s    *Scene
	f    *frameState
	rng  RNG
	rays uint64
	top  traversal // the world tree
	bot  traversal // an instance's tree (one at a time)
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
	t     float32
}

// intersect returns the closest hit along o + t*d with t < tmax, for a
// unit direction d; ok is false when there is none.
func (tr *tracer) intersect(o, d Vec, tmax float64) (h hit, ok bool) {
	tr.rays++
	var r ray
	r.set(o, d)
	h = hit{t: tmax, inst: instNone}
	tr.planes(&r, &h)
	tr.walk(tr.s.hdr.World, &r, &h, instWorld, false, &tr.top)
	return h, h.inst != instNone
}

// occluded reports whether anything lies along o + t*d for t < tmax, for
// a unit direction d.
func (tr *tracer) occluded(o, d Vec, tmax float64) bool {
	tr.rays++
	var r ray
	r.set(o, d)
	h := hit{t: tmax, inst: instNone}
	tr.planes(&r, &h)
	if h.inst != instNone {
		return true
	}
	return tr.walk(tr.s.hdr.World, &r, &h, instWorld, true, &tr.top)
}

// planes tests every plane, dividing only when the ray heads towards the
// plane: numerator and denominator of its distance have the same sign.
func (tr *tracer) planes(r *ray, h *hit) {
	for i := range tr.s.planes {
		p := &tr.s.planes[i]
		num, den := p.Point.Sub(r.o).Dot(p.Normal), r.d.Dot(p.Normal)
		if (num < 0) != (den < 0) {
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
// are skipped, so that a corrupted blob cannot recurse.
func (tr *tracer) walk(root uint32, r *ray, h *hit, inst int32, anyHit bool, st *traversal) bool {
	nodes, refs := tr.s.nodes, tr.s.refs
	tmax := r.limit(h.t)
	sp, c, found := 0, root, false
	for {
		if c&childLeaf == 0 {
			sp = st.push(&nodes[c], r, tmax, sp)
		} else if first, cnt := leafRange(c); cnt > 0 {
			for _, ref := range refs[first : first+cnt] {
				var got bool
				switch i := ref & refMask; ref >> refShift {
				case refTriangle:
					got = tr.s.tris[i].hit(r, h, ref)
				case refSphere:
					got = tr.s.spheres[i].hit(r, h, ref)
				case refBox:
					got = tr.s.boxes[i].hit(r, h, ref)
				default:
					if inst != instWorld {
						continue
					}
					if !tr.traceInstance(i, r, h, tmax, anyHit) {
						continue
					}
					found = true
					if anyHit {
						return true
					}
					tmax = r.limit(h.t)
					continue
				}
				if got {
					h.inst, found = inst, true
					if anyHit {
						return true
					}
					tmax = r.limit(h.t)
				}
			}
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

// push tests the ray against the four children of n and pushes those it
// enters before tmax onto the stack above sp, last to visit first, so
// that the first to visit ends on top; it returns the new sp. Every
// child's entry is written and only a hit's kept, which spares a branch
// that the hardware could not predict.
func (st *traversal) push(n *wideNode, r *ray, tmax float32, sp int) int {
	nearX, farX := &n.Box[r.sel[0]&1][0], &n.Box[r.sel[0]&1^1][0]
	nearY, farY := &n.Box[r.sel[1]&1][1], &n.Box[r.sel[1]&1^1][1]
	nearZ, farZ := &n.Box[r.sel[2]&1][2], &n.Box[r.sel[2]&1^1][2]
	ix, iy, iz := r.mul[0][0], r.mul[0][1], r.mul[0][2]
	cx, cy, cz := r.add[0][0], r.add[0][1], r.add[0][2]
	jx, jy, jz := r.mul[1][0], r.mul[1][1], r.mul[1][2]
	dx, dy, dz := r.add[1][0], r.add[1][1], r.add[1][2]
	ord := uint32(n.Order[r.oct&7])
	for k := 6; k >= 0; k -= 2 {
		s := ord >> k & 3
		// The entry distance is computed negated so that both ends are
		// minima, which are cheaper than maxima.
		t := -min(nearX[s]*ix+cx, nearY[s]*iy+cy, nearZ[s]*iz+cz, 0)
		exit := min(farX[s]*jx+dx, farY[s]*jy+dy, farZ[s]*jz+dz, tmax)
		st.e[sp] = entry{n.Child[s], t}
		if t <= exit {
			sp++
		}
	}
	return sp
}

// traceInstance intersects instance i if the ray enters its box at this
// frame, moving the ray into the instance's object space.
func (tr *tracer) traceInstance(i uint32, r *ray, h *hit, tmax float32, anyHit bool) bool {
	xf := &tr.f.xf[i]
	if _, in := xf.bounds.enter(r, tmax); !in {
		return false
	}
	var lr ray
	lr.setScaled(xf.toObj.point(r.o), xf.toObj.dir(r.d))
	return tr.walk(tr.s.insts[i].Root, &lr, h, int32(i), anyHit, &tr.bot)
}
