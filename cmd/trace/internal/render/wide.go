package render

import "math"

// This file collapses binary SAH trees into the 4-wide nodes the blob
// stores. Each wide node replaces up to three binary nodes: starting from
// a binary node's two children, the inner child with the largest surface
// area is opened (replaced by its own two children) until there are four
// or only leaves are left; slots still free then take halves of leaves,
// where that saves (see spread). Fewer, wider nodes mean fewer stack
// operations and fewer cache lines per ray; the four box tests of a node
// read two adjacent cache lines.
//
// Which binary subtrees become leaves is decided again for the wide tree,
// bottom up by the surface area heuristic with the costs below: a subtree
// is one leaf when testing all its primitives costs less than a node
// visit and the expected cost of its slots. The costs were tuned on the
// scenes in scenes/: their optimum is flat between node costs of 1.5 and
// 2.5 triangle tests.

const wideSlots = 4

// Costs of the wide SAH, in units of a triangle test.
const (
	costNode     = 2   // a node visit: four box tests and the stack
	costPrim     = 1   // a triangle or sphere
	costBox      = 1.5 // a box primitive
	costInstance = 4   // an instance: its box, a transform and a walk
)

// wideBuilder appends wide nodes and leaf references to growing arrays.
type wideBuilder struct {
	nodes []wideNode
	refs  []uint32
}

// add builds a tree over items (which it reorders) and returns the child
// word of its root: an empty leaf for no items, a leaf for a few, a node
// otherwise. The nodes it appends keep the invariants Open checks.
func (w *wideBuilder) add(items []item) uint32 {
	if len(items) == 0 {
		return leafChild(0, 0)
	}
	t := buildBinary(items)
	t.plan()
	return w.emit(t, 0)
}

// plan decides which binary nodes become wide leaves (t.leaf), children
// before parents (a child's index is above its parent's).
func (t *binTree) plan() {
	cost := make([]float64, len(t.nodes))
	t.leaf = make([]bool, len(t.nodes))
	for i := len(t.nodes) - 1; i >= 0; i-- {
		n := &t.nodes[i]
		leafCost := math.Inf(1)
		if n.count <= maxLeafRefs {
			leafCost = 0
			for _, it := range t.items[n.first : n.first+n.count] {
				leafCost += itemCost(it.ref)
			}
		}
		if n.left < 0 {
			cost[i], t.leaf[i] = leafCost, true
			continue
		}
		a := area(n.lo, n.hi)
		nodeCost := float64(costNode)
		for _, s := range collapse(t, int32(i)) {
			sn := &t.nodes[s]
			if a > 0 {
				nodeCost += area(sn.lo, sn.hi) / a * cost[s]
			} else {
				nodeCost += cost[s]
			}
		}
		cost[i], t.leaf[i] = min(leafCost, nodeCost), leafCost <= nodeCost
	}
}

func itemCost(ref uint32) float64 {
	switch ref >> refShift {
	case refBox:
		return costBox
	case refInstance:
		return costInstance
	}
	return costPrim
}

// emit returns the child word for binary node b of t, appending its leaf
// references, or its wide node and then those of its descendants (so that
// children follow their parent, the first child right after it).
func (w *wideBuilder) emit(t *binTree, b int32) uint32 {
	n := &t.nodes[b]
	if t.leaf[b] {
		first := uint32(len(w.refs))
		for _, it := range t.items[n.first : n.first+n.count] {
			w.refs = append(w.refs, it.ref)
		}
		return leafChild(first, uint32(n.count))
	}
	slots := spread(t, collapse(t, b))
	idx := uint32(len(w.nodes))
	w.nodes = append(w.nodes, wideNode{})
	var nd wideNode
	for s := range wideSlots {
		box, child := emptyBox32, leafChild(0, 0)
		if s < len(slots) {
			sn := &t.nodes[slots[s]]
			box = newBox32(sn.lo, sn.hi)
			child = w.emit(t, slots[s])
		}
		for a := range 3 {
			nd.Box[0][a][s], nd.Box[1][a][s] = box[0][a], box[1][a]
		}
		nd.Child[s] = child
	}
	for oct := range nd.Order {
		nd.Order[oct] = visitOrder(t, b, slots, oct)
	}
	w.nodes[idx] = nd
	return idx
}

// collapse returns the up to four binary nodes that become the slots of
// the wide node for the inner node b: it opens nodes that plan has not
// made leaves.
func collapse(t *binTree, b int32) []int32 {
	slots := []int32{t.nodes[b].left, t.nodes[b].right}
	for len(slots) < wideSlots {
		best, bestArea := -1, -1.0
		for i, s := range slots {
			if sn := &t.nodes[s]; !t.leaf[s] {
				if a := area(sn.lo, sn.hi); a > bestArea {
					best, bestArea = i, a
				}
			}
		}
		if best < 0 {
			break
		}
		s := slots[best]
		slots[best] = t.nodes[s].left
		slots = append(slots, t.nodes[s].right)
	}
	return slots
}

// spread fills the free slots of a wide node whose slots are all leaves:
// it splits in two the leaf whose split saves the most, until there are
// four slots or no split saves anything. A free slot's box is tested on
// every visit anyway (push tests all four), so a split costs no node
// visit; it spares a ray that enters one half the primitives of the
// other, and costs one that enters both a second leaf (see splitGain).
func spread(t *binTree, slots []int32) []int32 {
	for len(slots) < wideSlots {
		best, bestGain := -1, 0.0
		for i, s := range slots {
			if !t.leaf[s] || t.nodes[s].count < 2 {
				continue
			}
			if g := t.splitGain(s); g > bestGain {
				best, bestGain = i, g
			}
		}
		if best < 0 {
			return slots
		}
		s := slots[best]
		l, r := t.nodes[s].left, t.nodes[s].right
		t.leaf[l], t.leaf[r] = true, true
		slots[best] = l
		slots = append(slots, r)
	}
	return slots
}

// costLeaf is the cost of entering a leaf besides its primitives' tests
// (the call and its loop), in units of a triangle test.
const costLeaf = 1

// splitGain returns the expected cost saved by making the leaf s (two or
// more items) two leaves, its binary children, with costs weighted by
// surface area as in plan; a binary leaf is given children first (see
// halve). Two leaves with the boxes of their parent, such as the two
// triangles of a quad, save nothing and cost a leaf.
func (t *binTree) splitGain(s int32) float64 {
	l, r := t.halve(s)
	cost := func(x int32) float64 {
		n := &t.nodes[x]
		c := float64(costLeaf)
		for _, it := range t.items[n.first : n.first+n.count] {
			c += itemCost(it.ref)
		}
		return area(n.lo, n.hi) * c
	}
	return cost(s) - cost(l) - cost(r)
}

// halve returns the two children of the binary node s, which must hold
// two or more items. A binary leaf gets them first: its items are split
// by their cheapest SAH split (or in half) into two new leaf nodes,
// ordered as fill orders children. s stays a leaf of the wide tree until
// spread marks its children as leaves.
func (t *binTree) halve(s int32) (l, r int32) {
	if t.nodes[s].left < 0 {
		first, end := int(t.nodes[s].first), int(t.nodes[s].first+t.nodes[s].count)
		mid := first + halfSplit(t.items[first:end])
		l, r = t.leafNode(first, mid), t.leafNode(mid, end)
		n := &t.nodes[s]
		n.left, n.right, n.axis = l, r, apart(&t.nodes[l], &t.nodes[r])
		if centre(&t.nodes[r], n.axis) < centre(&t.nodes[l], n.axis) {
			n.left, n.right = r, l
		}
	}
	return t.nodes[s].left, t.nodes[s].right
}

// leafNode appends a binary leaf over items[first:end] and returns its
// index.
func (t *binTree) leafNode(first, end int) int32 {
	lo, hi := bounds(t.items[first:end])
	t.nodes = append(t.nodes, binNode{lo: lo, hi: hi, left: -1, right: -1, first: int32(first), count: int32(end - first)})
	t.leaf = append(t.leaf, false)
	return int32(len(t.nodes) - 1)
}

// visitOrder returns the packed order (see wideNode.Order) in which a ray
// of octant oct visits the slots of the wide node collapsed from b: at
// every opened binary node, the child on the ray's near side first. Empty
// slots come last.
func visitOrder(t *binTree, b int32, slots []int32, oct int) uint8 {
	var order []int
	var visit func(x int32)
	visit = func(x int32) {
		for s, id := range slots {
			if id == x {
				order = append(order, s)
				return
			}
		}
		n := &t.nodes[x]
		if oct>>n.axis&1 != 0 {
			visit(n.right)
			visit(n.left)
		} else {
			visit(n.left)
			visit(n.right)
		}
	}
	visit(b)
	for s := len(slots); s < wideSlots; s++ {
		order = append(order, s)
	}
	var packed uint8
	for k, s := range order {
		packed |= uint8(s) << (2 * k)
	}
	return packed
}
