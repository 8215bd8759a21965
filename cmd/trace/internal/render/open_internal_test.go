package render

import (
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/cmd/trace/internal/scene"
)

// corrupt compiles a scene, lets edit change the opened copy's records in
// place, and returns what Open then says.
func corrupt(t *testing.T, name string, edit func(s *Scene)) error {
	t.Helper()
	s, b := fresh(t, name)
	edit(s)
	_, err := Open(b)
	return err
}

// fresh compiles and opens a scene of its own (not shared with other
// tests, which its edits would corrupt) and returns it and its blob.
func fresh(t *testing.T, name string) (*Scene, []byte) {
	t.Helper()
	sc, err := scene.Load(name)
	require.NoError(t, err)
	b, err := Compile(sc)
	require.NoError(t, err)
	s, err := Open(b)
	require.NoError(t, err)
	return s, b
}

func TestOpenRejectsCorruption(t *testing.T) {
	for name, edit := range map[string]func(s *Scene){
		"magic":               func(s *Scene) { s.hdr.Magic++ },
		"size":                func(s *Scene) { s.hdr.Size-- },
		"fps":                 func(s *Scene) { s.hdr.FPS = 0 },
		"tone map":            func(s *Scene) { s.hdr.ToneMap = 9 },
		"section bounds":      func(s *Scene) { s.hdr.Sections[secTriangles].Count = 1 << 30 },
		"section align":       func(s *Scene) { s.hdr.Sections[secSpheres].Off += 4 },
		"section header":      func(s *Scene) { s.hdr.Sections[secSpheres].Off = 8 },
		"material kind":       func(s *Scene) { s.mats[0].Kind = 99 },
		"checker loop":        func(s *Scene) { s.mats[2].Even = 2 },
		"checker range":       func(s *Scene) { s.mats[2].Odd = 1000 },
		"sphere material":     func(s *Scene) { s.spheres[0].Mat = 1000 },
		"plane material":      func(s *Scene) { s.planes[0].Mat = 1000 },
		"light kind":          func(s *Scene) { s.lights[0].Kind = 7 },
		"light buffer":        func(s *Scene) { s.lights[0].Shadow = uint32(len(s.shadowCells)) - 1 },
		"light buffer res":    func(s *Scene) { s.lights[0].ShadowRes = 3 },
		"light buffer kind":   func(s *Scene) { s.lights[0].Kind = lightSphere },
		"light-buffer cell":   func(s *Scene) { s.shadowCells[0] = cellRange{First: uint32(len(s.shadowRefs)), Count: 1} },
		"light-buffer ref":    func(s *Scene) { s.shadowRefs[0] = refSphere<<refShift | 999 },
		"instance index":      func(s *Scene) { s.refs[0] = refInstance<<refShift | 99 },
		"ref index":           func(s *Scene) { s.refs[0] = refSphere<<refShift | 999 },
		"world leaf":          func(s *Scene) { s.hdr.World = leafChild(uint32(len(s.refs)), 2) },
		"instance root":       func(s *Scene) { s.insts[0].Root = uint32(len(s.nodes)) },
		"instance root world": func(s *Scene) { s.insts[0].Root = s.hdr.World },
		"instance leaf":       func(s *Scene) { s.insts[0].Root = leafChild(uint32(len(s.refs)-1), 2) },
		"instance in object":  func(s *Scene) { s.insts[0].Root = leafChild(instanceRef(s), 1) },
		"instance keys":       func(s *Scene) { s.insts[0].KeyCount = 0 },
		"instance key end":    func(s *Scene) { s.insts[0].KeyFirst = uint32(len(s.keys)) },
		"key order":           func(s *Scene) { s.keys[1].Time = s.keys[0].Time },
		"key scale":           func(s *Scene) { s.keys[0].Scale.X = 0 },
		"camera time":         func(s *Scene) { s.cam[1].Time = -1 },
	} {
		t.Run(name, func(t *testing.T) {
			err := corrupt(t, "default", edit)
			assert.ErrorIs(t, err, ErrBlob)
		})
	}
}

// TestOpenRejectsBadChildren corrupts the nodes of the spheres scene's
// world tree, which has nodes below nodes (the default scene's is one
// leaf).
func TestOpenRejectsBadChildren(t *testing.T) {
	for name, edit := range map[string]func(s *Scene){
		"leaf range":      func(s *Scene) { c, _ := childOf(s, true); *c = leafChild(uint32(len(s.refs)), 1) },
		"leaf too big":    func(s *Scene) { c, _ := childOf(s, true); *c = leafChild(0, maxLeafRefs+1) },
		"order":           func(s *Scene) { s.nodes[0].Order[3] = 0 },
		"world root":      func(s *Scene) { s.hdr.World = uint32(len(s.nodes)) },
		"child backwards": func(s *Scene) { c, _ := childOf(s, false); *c = 0 },
		"child itself":    func(s *Scene) { c, i := childOf(s, false); *c = i },
		"child past end":  func(s *Scene) { c, _ := childOf(s, false); *c = uint32(len(s.nodes)) },
		"two parents":     func(s *Scene) { c, _ := childOf(s, false); *c = lastInner(&s.nodes[0]) },
		"child twice":     func(s *Scene) { s.nodes[0].Child[1] = s.nodes[0].Child[0] },
	} {
		t.Run(name, func(t *testing.T) {
			err := corrupt(t, "spheres", edit)
			assert.ErrorIs(t, err, ErrBlob)
		})
	}
}

// childOf returns the first leaf (or inner) child word of any node, and
// the node's index.
func childOf(s *Scene, leaf bool) (*uint32, uint32) {
	for i := range s.nodes {
		for k, c := range s.nodes[i].Child {
			if (c&childLeaf != 0) == leaf {
				return &s.nodes[i].Child[k], uint32(i)
			}
		}
	}
	panic("no such child")
}

// lastInner returns the last inner child of n.
func lastInner(n *wideNode) uint32 {
	for i := len(n.Child) - 1; i >= 0; i-- {
		if n.Child[i]&childLeaf == 0 {
			return n.Child[i]
		}
	}
	panic("no inner child")
}

// instanceRef returns the index of a reference to an instance.
func instanceRef(s *Scene) uint32 {
	for i, r := range s.refs {
		if r>>refShift == refInstance {
			return uint32(i)
		}
	}
	panic("no instance reference")
}

// chainNode is a wide node whose first slot is c and whose other slots
// are empty leaves, visited in slot order.
func chainNode(c uint32) wideNode {
	n := wideNode{Child: [4]uint32{c, leafChild(0, 0), leafChild(0, 0), leafChild(0, 0)}}
	for i := range n.Order {
		n.Order[i] = 0b11_10_01_00
	}
	return n
}

func TestOpenRejectsSharedChild(t *testing.T) {
	// Two inner nodes pointing at the same child would make traversal
	// visit a subtree twice (and, nested, exponentially often).
	root := chainNode(1)
	root.Child[1] = 2
	nodes := []wideNode{root, chainNode(3), chainNode(3), chainNode(leafChild(0, 1))}
	_, err := checkForest(nodes, 1, 0)
	assert.ErrorIs(t, err, ErrBlob)
	nodes[2] = chainNode(leafChild(0, 1))
	_, err = checkForest(nodes, 1, 0)
	assert.NoError(t, err)
}

func TestOpenRejectsDeepTree(t *testing.T) {
	// chain has n nodes, each the only inner child of the one before.
	chain := func(n int) []wideNode {
		var nodes []wideNode
		for i := 1; i < n; i++ {
			nodes = append(nodes, chainNode(uint32(i)))
		}
		return append(nodes, chainNode(leafChild(0, 1)))
	}
	_, err := checkForest(chain(maxTreeDepth), 1, 0)
	assert.NoError(t, err)
	_, err = checkForest(chain(maxTreeDepth+1), 1, 0)
	assert.ErrorIs(t, err, ErrBlob)
}

func TestOpenAlignmentAndVersion(t *testing.T) {
	sc, err := scene.Load("cornell")
	require.NoError(t, err)
	b, err := Compile(sc)
	require.NoError(t, err)
	assert.Zero(t, uintptr(unsafe.Pointer(&b[0]))%8)
	shifted := make([]byte, len(b)+1)
	copy(shifted[1:], b)
	_, err = Open(shifted[1:])
	assert.ErrorIs(t, err, ErrAlign)
	(*header)(unsafe.Pointer(&b[0])).Version++
	_, err = Open(b)
	assert.ErrorIs(t, err, ErrVersion)
	_, err = Open(b[:10])
	assert.ErrorIs(t, err, ErrBlob)
	_, err = Open(nil)
	assert.ErrorIs(t, err, ErrBlob)
}
