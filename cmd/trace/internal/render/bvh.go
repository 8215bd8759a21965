package render

import "math"

// This file builds bounding volume hierarchies with the surface area
// heuristic (SAH), binned: centroids are sorted into a few bins per axis
// and only bin boundaries are candidate splits. That is O(n) per level and
// within a few percent of a full sweep in trace speed. 32 bins rather
// than 16 cut the terrain's node visits per ray by 8 to 13% (camera,
// shadow and bounce rays of BenchmarkWalk's frame): its grid of triangles
// meets 16 bin boundaries badly.

const (
	sahBins      = 32
	leafTarget   = 4  // a node with more items is always split
	medianDepth  = 36 // below this depth, split in half: bounds the height
	maxItems     = 1 << 24
	costTraverse = 1.0
)

// item is one primitive (or instance) to place in a tree.
type item struct {
	lo, hi Vec
	ref    uint32
}

func (it *item) centroid() Vec { return it.lo.Add(it.hi).Scale(0.5) }

// binNode is a node of the binary tree that build makes and collapse turns
// into wide nodes. A leaf (left < 0) holds items[first : first+count] of
// its tree; an inner node's left child is the one whose centre is lower on
// axis, the axis along which the two children lie furthest apart.
type binNode struct {
	lo, hi       Vec
	left, right  int32
	first, count int32
	axis         int
}

// binTree is a binary SAH tree over items, which building reorders so
// that every leaf is a contiguous range.
type binTree struct {
	nodes []binNode
	items []item
	leaf  []bool // the nodes that become leaves of the wide tree
}

// buildBinary builds a tree over items (reordering them) whose root is
// nodes[0]. Leaves hold 1..leafTarget items and the height is below
// maxTreeDepth: SAH splits above medianDepth and halving below it keep up
// to maxItems items under 64 levels. items must not be empty.
func buildBinary(items []item) *binTree {
	t := &binTree{items: items, nodes: make([]binNode, 0, 2*len(items)/leafTarget+1)}
	t.fill(0, len(items), 1)
	return t
}

// fill appends the node for items[first:end] and returns its index.
func (t *binTree) fill(first, end, depth int) int32 {
	items := t.items[first:end]
	lo, hi := bounds(items)
	idx := int32(len(t.nodes))
	t.nodes = append(t.nodes, binNode{lo: lo, hi: hi, left: -1, right: -1, first: int32(first), count: int32(len(items))})
	mid := split(items, depth)
	if mid <= 0 {
		return idx
	}
	l := t.fill(first, first+mid, depth+1)
	r := t.fill(first+mid, end, depth+1)
	n := &t.nodes[idx]
	n.left, n.right, n.axis = l, r, apart(&t.nodes[l], &t.nodes[r])
	if centre(&t.nodes[r], n.axis) < centre(&t.nodes[l], n.axis) {
		n.left, n.right = r, l
	}
	return idx
}

// apart returns the axis along which the centres of a and b are furthest
// apart.
func apart(a, b *binNode) int {
	best, axis := -1.0, 0
	for k := range 3 {
		if d := math.Abs(centre(a, k) - centre(b, k)); d > best {
			best, axis = d, k
		}
	}
	return axis
}

func centre(n *binNode, axis int) float64 { return (n.lo.Axis(axis) + n.hi.Axis(axis)) / 2 }

// split partitions items and returns the size of the left part, or 0 for
// a leaf.
func split(items []item, depth int) int {
	n := len(items)
	if n <= 1 {
		return 0
	}
	if depth >= medianDepth {
		if n <= leafTarget {
			return 0
		}
		return n / 2
	}
	axis, bin, cost := bestSplit(items)
	if n <= leafTarget && (axis < 0 || cost >= float64(n)) {
		return 0
	}
	return splitAt(items, axis, bin)
}

// halfSplit partitions two or more items in two non-empty parts by their
// cheapest SAH split, or in half, and returns the size of the left part.
func halfSplit(items []item) int {
	axis, bin, _ := bestSplit(items)
	return splitAt(items, axis, bin)
}

// splitAt moves the items whose centroids fall in bins up to bin on axis
// to the front and returns how many there are, or partitions in half when
// axis is -1 or the split leaves a side empty.
func splitAt(items []item, axis, bin int) int {
	n := len(items)
	if axis < 0 {
		return n / 2
	}
	clo, chi := centroidBounds(items)
	mid := partition(items, func(it *item) bool {
		return binOf(it.centroid().Axis(axis), clo.Axis(axis), chi.Axis(axis)) <= bin
	})
	if mid == 0 || mid == n {
		return n / 2
	}
	return mid
}

// bestSplit returns the axis and bin of the cheapest SAH split and its cost
// relative to intersecting every item (a leaf costs n). axis is -1 when all
// centroids coincide.
func bestSplit(items []item) (axis, bin int, cost float64) {
	clo, chi := centroidBounds(items)
	lo, hi := bounds(items)
	parent := area(lo, hi)
	axis, cost = -1, math.Inf(1)
	for a := range 3 {
		if !(chi.Axis(a) > clo.Axis(a)) {
			continue
		}
		var bins [sahBins]struct {
			lo, hi Vec
			n      int
		}
		for i := range bins {
			bins[i].lo, bins[i].hi = infBox()
		}
		for i := range items {
			k := binOf(items[i].centroid().Axis(a), clo.Axis(a), chi.Axis(a))
			bins[k].lo, bins[k].hi = bins[k].lo.Min(items[i].lo), bins[k].hi.Max(items[i].hi)
			bins[k].n++
		}
		var right [sahBins]float64 // cost of bins k+1.. as area*count
		rlo, rhi := infBox()
		rn := 0
		for k := sahBins - 1; k > 0; k-- {
			rlo, rhi, rn = rlo.Min(bins[k].lo), rhi.Max(bins[k].hi), rn+bins[k].n
			right[k-1] = area(rlo, rhi) * float64(rn)
		}
		llo, lhi := infBox()
		ln := 0
		for k := range sahBins - 1 {
			llo, lhi, ln = llo.Min(bins[k].lo), lhi.Max(bins[k].hi), ln+bins[k].n
			if ln == 0 || ln == len(items) {
				continue
			}
			c := costTraverse + (area(llo, lhi)*float64(ln)+right[k])/parent
			if c < cost {
				axis, bin, cost = a, k, c
			}
		}
	}
	return axis, bin, cost
}

func binOf(c, lo, hi float64) int {
	k := int(float64(sahBins) * (c - lo) / (hi - lo))
	return min(max(k, 0), sahBins-1)
}

// partition moves the items for which left is true to the front and
// returns how many there are.
func partition(items []item, left func(*item) bool) int {
	i, j := 0, len(items)-1
	for i <= j {
		if left(&items[i]) {
			i++
		} else {
			items[i], items[j] = items[j], items[i]
			j--
		}
	}
	return i
}

func infBox() (lo, hi Vec) {
	inf := math.Inf(1)
	return Vec{inf, inf, inf}, Vec{-inf, -inf, -inf}
}

func bounds(items []item) (lo, hi Vec) {
	lo, hi = infBox()
	for i := range items {
		lo, hi = lo.Min(items[i].lo), hi.Max(items[i].hi)
	}
	return lo, hi
}

func centroidBounds(items []item) (lo, hi Vec) {
	lo, hi = infBox()
	for i := range items {
		c := items[i].centroid()
		lo, hi = lo.Min(c), hi.Max(c)
	}
	return lo, hi
}

// area is half the surface area of a box (the factor cancels in SAH).
func area(lo, hi Vec) float64 {
	d := hi.Sub(lo)
	if !(d.X >= 0 && d.Y >= 0 && d.Z >= 0) {
		return 0
	}
	return d.X*d.Y + d.Y*d.Z + d.Z*d.X
}
