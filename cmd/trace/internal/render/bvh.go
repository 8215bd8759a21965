package render

import "math"

// This file builds bounding volume hierarchies with the surface area
// heuristic (SAH), binned: centroids are sorted into a few bins per axis
// and only bin boundaries are candidate splits. That is O(n) per level and
// within a few percent of a full sweep in trace speed.

const (
	sahBins      = 16
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

// padNode fills the gap before a pair of children at an odd index. It is
// a valid leaf (every tree has a reference 0) that no node points at and
// that no ray can enter: its box is empty.
var padNode = bvhNode{
	bounds32: bounds32{Min: [3]float32{inf32, inf32, inf32}, Max: [3]float32{-inf32, -inf32, -inf32}},
	Count:    1,
}

var inf32 = float32(math.Inf(1))

// bvhBuilder appends nodes and leaf references to growing arrays.
type bvhBuilder struct {
	nodes []bvhNode
	refs  []uint32
}

// build appends a tree over items (which it reorders) and returns the index
// of its root. The tree keeps the invariants Open checks: children follow
// their parent, each node has one parent, leaves hold 1..maxLeafRefs
// references, and the height is below maxTreeDepth (SAH splits above
// medianDepth, halving below it, so up to maxItems items stay under 64
// levels).
func (b *bvhBuilder) build(items []item) uint32 {
	root := uint32(len(b.nodes))
	b.nodes = append(b.nodes, bvhNode{})
	b.fill(root, items, 1)
	return root
}

func (b *bvhBuilder) fill(idx uint32, items []item, depth int) {
	lo, hi := bounds(items)
	mid := b.split(items, lo, hi, depth)
	if mid <= 0 {
		b.nodes[idx] = bvhNode{bounds32: newBounds32(lo, hi), Index: uint32(len(b.refs)), Count: uint32(len(items))}
		for i := range items {
			b.refs = append(b.refs, items[i].ref)
		}
		return
	}
	if len(b.nodes)%2 == 1 {
		b.nodes = append(b.nodes, padNode) // children pairs start at even indices
	}
	left := uint32(len(b.nodes))
	b.nodes = append(b.nodes, bvhNode{}, bvhNode{})
	b.nodes[idx] = bvhNode{bounds32: newBounds32(lo, hi), Index: left}
	b.fill(left, items[:mid], depth+1)
	b.fill(left+1, items[mid:], depth+1)
}

// split partitions items and returns the size of the left part, or 0 for
// a leaf.
func (b *bvhBuilder) split(items []item, lo, hi Vec, depth int) int {
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
