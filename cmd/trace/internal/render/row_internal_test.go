package render

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rowCase is a pass that the staged rows take: a scene (spheres has a
// lens, cornell an area light), an integrator and a pixel step.
type rowCase struct {
	scene string
	q     Quality
}

func rowCases() []rowCase {
	var cs []rowCase
	for _, name := range []string{"default", "spheres", "cornell"} {
		for _, in := range []Integrator{Whitted, Path} {
			for _, k := range []int{1, 2, 3, 5, 16} {
				cs = append(cs, rowCase{name, Quality{SPP: 1, MaxDepth: 4, PixelStep: k, Integrator: in}})
			}
		}
	}
	return cs
}

// TestStagedRowsAreBlockBytes requires RenderTile's staged rows, at every
// pixel step, to give each block the bytes that block and store give it,
// block by block, on an image whose last blocks the image's edge cuts,
// tiled across the blocks and the pixel groups.
func TestStagedRowsAreBlockBytes(t *testing.T) {
	const w, h, frame = 83, 47, 7
	for _, c := range rowCases() {
		rs := openScene(t, c.scene)
		got, want := make([]uint32, w*h), make([]uint32, w*h)
		for y0 := 0; y0 < h; y0 += 17 {
			for x0 := 0; x0 < w; x0 += 29 {
				tile := Tile{X0: x0, Y0: y0, X1: min(x0+29, w), Y1: min(y0+17, h), Frame: frame}
				st, err := rs.RenderTile(Target{Pix: got, W: w, H: h}, tile, c.q)
				require.NoError(t, err)
				require.Equal(t, uint64((tile.X1-x0)*(tile.Y1-y0)), st.Pixels)
			}
		}
		dst, all := Target{Pix: want, W: w, H: h}, Tile{X1: w, Y1: h, Frame: frame}
		tr := tracer{s: rs, f: rs.frame(frame)}
		k := c.q.PixelStep
		for by := 0; by < h; by += k {
			for bx := 0; bx < w; bx += k {
				rs.store(dst, all, bx, by, k, tr.block(dst, all, c.q, bx, by), 1)
			}
		}
		assert.Equal(t, want, got, "%s %+v", c.scene, c.q)
	}
}

// TestStagedBlockRowIsBlockBytes requires the bilinear steps' staged
// block rows to pack each block as the unstaged ones do.
func TestStagedBlockRowIsBlockBytes(t *testing.T) {
	const w, h, frame = 83, 47, 7
	for _, c := range rowCases() {
		rs := openScene(t, c.scene)
		k := c.q.PixelStep
		dst, all := Target{W: w, H: h}, Tile{X1: w, Y1: h, Frame: frame}
		tr := tracer{s: rs, f: rs.frame(frame)}
		scale := tr.f.cam.pixelScale(h)
		nbx, nby, g := (w+k-1)/k, (h+k-1)/k, max(1, groupSize/k)
		for by := range nby {
			for bx := 0; bx < nbx; bx += g {
				n := min(g, nbx-bx)
				got, want := make([]uint32, n), make([]uint32, n)
				tr.blockRow(dst, all, c.q, bx, by, got, true, scale)
				tr.blockRow(dst, all, c.q, bx, by, want, false, scale)
				require.Equal(t, want, got, "%s %+v blocks (%d, %d)", c.scene, c.q, bx, by)
			}
		}
	}
}
