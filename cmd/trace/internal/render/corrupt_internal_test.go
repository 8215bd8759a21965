package render

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestRenderTileReportsLateCorruption changes an opened scene's records
// the way a faulty process writing the shared blob after Open could, and
// requires RenderTile to return ErrCorrupt, neither crashing nor hanging:
// a cycle in the tree (which no walk's stack or depth bound survives), and
// ranges and roots out of bounds.
func TestRenderTileReportsLateCorruption(t *testing.T) {
	for name, edit := range map[string]func(s *Scene){
		"cycle":        func(s *Scene) { s.nodes[1].Child[0] = 0 },
		"world root":   func(s *Scene) { s.hdr.World = uint32(len(s.nodes)) + 5 },
		"leaf range":   func(s *Scene) { s.nodes[0].Child[0] = leafChild(leafFirst, 16) },
		"light buffer": func(s *Scene) { s.lights[0].Shadow = uint32(len(s.shadowCells)) },
		"light-buffer cell": func(s *Scene) {
			for i := range s.shadowCells {
				s.shadowCells[i] = cellRange{First: 1 << 30, Count: 4}
			}
		},
	} {
		t.Run(name, func(t *testing.T) {
			s, _ := fresh(t, "spheres")
			edit(s)
			dst := Target{Pix: make([]uint32, 32*18), W: 32, H: 18}
			_, err := s.RenderTile(dst, Tile{X1: 32, Y1: 18}, Quality{MaxDepth: 3})
			assert.ErrorIs(t, err, ErrCorrupt)
		})
	}
}
