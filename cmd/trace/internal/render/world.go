package render

// This file lets the rays of a scene with few objects skip the world
// tree: when the tree holds at most maxWorld references, a list of them
// all, made once at Open, is what every ray that is not a camera ray of a
// listed group tests instead (planes are tested apart, as always). A ray's
// closest hit is the tree's, as with the camera rays' lists (see
// primary.go): the tree's box tests never miss a box the exact ray
// enters, so the tree finds every hit the list does. A walk of a tree of
// a few references costs several list tests in box tests and visiting
// order, and its ray needs reciprocals, which the list's rays compute only
// for a box or an instance they meet.

// maxWorld is the largest world tree that rays replace by its list.
const maxWorld = maxFirst

// worldList returns every reference of the world tree, or ok false when
// there are more than maxWorld. The tree is Open's, checked: no cycles
// and a bounded height.
func (s *Scene) worldList() (refs []uint32, ok bool) {
	var add func(c uint32, depth int) bool
	add = func(c uint32, depth int) bool {
		if c&childLeaf != 0 {
			first, n := leafRange(c)
			refs = append(refs, s.refs[first:first+n]...)
			return len(refs) <= maxWorld
		}
		if depth == maxTreeDepth {
			return false
		}
		for _, ch := range s.nodes[c].Child {
			if !add(ch, depth+1) {
				return false
			}
		}
		return true
	}
	if !add(s.hdr.World, 0) {
		return nil, false
	}
	return refs, true
}

// intersectList is intersect with the world tree replaced by refs, which
// holds every world reference the ray could hit.
func (tr *tracer) intersectList(refs []uint32, o, d Vec, tmax float64, h *hit) bool {
	tr.rays++
	var r ray
	r.setLine(o, d)
	*h = hit{t: tmax, inst: instNone}
	tr.planes(&r, h)
	tr.leaf(refs, &r, h, instWorld, false)
	return h.inst != instNone
}
