package render

// checkForest checks that nodes form a forest that traversal can walk with
// a stack of stackSize entries, visiting each node once per walk: inner
// children follow their parent (so there is no cycle), no node has two
// parents (so there is no shared subtree, whose visits could multiply),
// every leaf's range lies within [0, refs) and holds at most maxLeafRefs,
// every visiting order is a permutation of the four slots (so no child is
// visited twice), and no path is longer than maxTreeDepth nodes. The world
// root must be a leaf or a node with no parent. It returns which nodes are
// in the world tree.
func checkForest(nodes []wideNode, refs int, world uint32) ([]bool, error) {
	depth := make([]uint8, len(nodes)) // 0: no parent (a root) yet
	for i := range nodes {
		n := &nodes[i]
		for o, p := range n.Order {
			if !isPermutation(p) {
				return nil, blobErr("node %d: order %d (%#x) is not a permutation", i, o, p)
			}
		}
		d := max(depth[i], 1) + 1
		for _, c := range n.Child {
			if c&childLeaf != 0 {
				if first, k := leafRange(c); k > maxLeafRefs || uint64(first)+uint64(k) > uint64(refs) {
					return nil, blobErr("node %d: leaf range [%d, +%d) out of range", i, first, k)
				}
				continue
			}
			if uint64(c) <= uint64(i) || uint64(c) >= uint64(len(nodes)) || d > maxTreeDepth {
				return nil, blobErr("node %d: child %d invalid or tree too deep", i, c)
			}
			if depth[c] != 0 {
				return nil, blobErr("node %d: child %d has two parents", i, c)
			}
			depth[c] = d
		}
	}
	inWorld := make([]bool, len(nodes))
	if world&childLeaf != 0 {
		if first, k := leafRange(world); k > maxLeafRefs || uint64(first)+uint64(k) > uint64(refs) {
			return nil, blobErr("world leaf [%d, +%d) out of range", first, k)
		}
		return inWorld, nil
	}
	if uint64(world) >= uint64(len(nodes)) || depth[world] != 0 {
		return nil, blobErr("world root %d invalid", world)
	}
	inWorld[world] = true
	for i := int(world); i < len(nodes); i++ {
		if !inWorld[i] {
			continue
		}
		for _, c := range nodes[i].Child {
			if c&childLeaf == 0 {
				inWorld[c] = true
			}
		}
	}
	return inWorld, nil
}

// isPermutation reports whether the four two-bit fields of p are 0, 1, 2
// and 3 in some order.
func isPermutation(p uint8) bool {
	var seen uint8
	for k := range wideSlots {
		seen |= 1 << (p >> (2 * k) & 3)
	}
	return seen == 0xf
}
