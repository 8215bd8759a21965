package render

import (
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/cmd/trace/internal/scene"
)

// corrupt compiles the default scene, lets edit change the opened copy's
// records in place, and returns what Open then says.
func corrupt(t *testing.T, edit func(s *Scene)) error {
	t.Helper()
	sc, err := scene.Load("default")
	require.NoError(t, err)
	b, err := Compile(sc)
	require.NoError(t, err)
	s, err := Open(b)
	require.NoError(t, err)
	edit(s)
	_, err = Open(b)
	return err
}

func TestOpenRejectsCorruption(t *testing.T) {
	for name, edit := range map[string]func(s *Scene){
		"magic":            func(s *Scene) { s.hdr.Magic++ },
		"size":             func(s *Scene) { s.hdr.Size-- },
		"fps":              func(s *Scene) { s.hdr.FPS = 0 },
		"tone map":         func(s *Scene) { s.hdr.ToneMap = 9 },
		"section bounds":   func(s *Scene) { s.hdr.Sections[secTriangles].Count = 1 << 30 },
		"section align":    func(s *Scene) { s.hdr.Sections[secSpheres].Off += 4 },
		"section header":   func(s *Scene) { s.hdr.Sections[secSpheres].Off = 8 },
		"material kind":    func(s *Scene) { s.mats[0].Kind = 99 },
		"checker loop":     func(s *Scene) { s.mats[2].Even = 2 },
		"checker range":    func(s *Scene) { s.mats[2].Odd = 1000 },
		"sphere material":  func(s *Scene) { s.spheres[0].Mat = 1000 },
		"plane material":   func(s *Scene) { s.planes[0].Mat = 1000 },
		"light kind":       func(s *Scene) { s.lights[0].Kind = 7 },
		"ref kind":         func(s *Scene) { s.refs[0] = 3 << refShift },
		"ref index":        func(s *Scene) { s.refs[0] = refSphere<<refShift | 999 },
		"leaf range":       func(s *Scene) { leaf(s.nodes).Index = 1 << 31 },
		"leaf too big":     func(s *Scene) { leaf(s.nodes).Count = maxLeafRefs + 1 },
		"child backwards":  func(s *Scene) { inner(s.nodes).Index = 0 },
		"child past end":   func(s *Scene) { inner(s.nodes).Index = uint32(len(s.nodes) - 1) },
		"tlas leaf":        func(s *Scene) { leaf(s.tlas).Index = uint32(len(s.insts)) },
		"instance root":    func(s *Scene) { s.insts[0].Root = uint32(len(s.nodes)) },
		"instance keys":    func(s *Scene) { s.insts[0].KeyCount = 0 },
		"instance key end": func(s *Scene) { s.insts[0].KeyFirst = uint32(len(s.keys)) },
		"key order":        func(s *Scene) { s.keys[1].Time = s.keys[0].Time },
		"key scale":        func(s *Scene) { s.keys[0].Scale.X = 0 },
		"camera time":      func(s *Scene) { s.cam[1].Time = -1 },
	} {
		t.Run(name, func(t *testing.T) {
			err := corrupt(t, edit)
			assert.ErrorIs(t, err, ErrBlob)
		})
	}
}

func TestOpenRejectsSharedChild(t *testing.T) {
	// Two inner nodes pointing at the same children would make traversal
	// visit a subtree twice (and, nested, exponentially often).
	nodes := []bvhNode{{Index: 1}, {Index: 3}, {Index: 3}, {Count: 1}, {Count: 1}}
	assert.ErrorIs(t, checkTree(nodes, 1, "t"), ErrBlob)
	nodes = []bvhNode{{Index: 1}, {Index: 3}, {Count: 1}, {Count: 1}, {Count: 1}}
	assert.NoError(t, checkTree(nodes, 1, "t"))
}

func TestOpenRejectsDeepTree(t *testing.T) {
	// chain has n inner nodes, each the left child of the one before: its
	// height is n+1 levels.
	chain := func(n int) []bvhNode {
		var nodes []bvhNode
		for i := 0; i < n; i++ {
			nodes = append(nodes, bvhNode{Index: uint32(2*i + 1)}, bvhNode{Count: 1})
		}
		nodes[len(nodes)-1] = bvhNode{Count: 1}
		return append(nodes, bvhNode{Count: 1})
	}
	assert.NoError(t, checkTree(chain(maxTreeDepth-1), 1, "t"))
	assert.ErrorIs(t, checkTree(chain(maxTreeDepth), 1, "t"), ErrBlob)
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

func leaf(nodes []bvhNode) *bvhNode {
	for i := range nodes {
		if nodes[i].Count > 0 {
			return &nodes[i]
		}
	}
	panic("no leaf")
}

func inner(nodes []bvhNode) *bvhNode {
	for i := range nodes {
		if nodes[i].Count == 0 {
			return &nodes[i]
		}
	}
	panic("no inner node")
}
