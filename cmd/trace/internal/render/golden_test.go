package render_test

import (
	"bytes"
	"flag"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/cmd/trace/internal/render"
	"github.com/shmrun/shmrun/cmd/trace/internal/scene"
	"github.com/shmrun/shmrun/scenes"
)

var update = flag.Bool("update", false, "rewrite the golden images in testdata/golden")

// goldenQuality keeps the golden images cheap enough for -race.
func goldenQuality(s *scene.Scene) render.Quality {
	q := render.SceneQuality(s)
	q.SPP = min(q.SPP, 8)
	return q
}

// TestGolden renders every committed scene at 64x36 and compares the
// pixels with testdata/golden/<scene>.png. Run with -update to rewrite the
// images after an intended change (and look at them). Floating point is
// deterministic for one architecture and compiler; other architectures may
// fuse multiply-adds, so there the comparison allows small differences.
func TestGolden(t *testing.T) {
	for _, name := range scene.Names() {
		t.Run(name, func(t *testing.T) {
			s, err := scene.LoadFS(scenes.FS(), name+".json")
			require.NoError(t, err)
			_, rs := open(t, name)
			const w, h = 64, 36
			dst := newTarget(w, h, false)
			_, err = rs.RenderTile(dst, render.Tile{X1: w, Y1: h, Frame: 30}, goldenQuality(s))
			require.NoError(t, err)
			got := toImage(dst)
			path := filepath.Join("testdata", "golden", name+".png")
			if *update {
				var buf bytes.Buffer
				require.NoError(t, png.Encode(&buf, got))
				require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
				return
			}
			f, err := os.Open(path)
			require.NoError(t, err, "run go test -run TestGolden -update")
			defer f.Close()
			img, err := png.Decode(f)
			require.NoError(t, err)
			want, ok := img.(*image.NRGBA)
			if !ok {
				want = image.NewNRGBA(img.Bounds())
				for y := 0; y < h; y++ {
					for x := 0; x < w; x++ {
						want.Set(x, y, img.At(x, y))
					}
				}
			}
			tolerance := 0
			if runtime.GOARCH != "amd64" {
				tolerance = 8
			}
			bad := 0
			for i := range got.Pix {
				if d := int(got.Pix[i]) - int(want.Pix[i]); d > tolerance || -d > tolerance {
					bad++
				}
			}
			if bad > 0 {
				out := filepath.Join(t.TempDir(), name+".png")
				var buf bytes.Buffer
				require.NoError(t, png.Encode(&buf, got))
				require.NoError(t, os.WriteFile(out, buf.Bytes(), 0o644))
				t.Fatalf("%d channel values differ from %s; got %s", bad, path, out)
			}
		})
	}
}

// toImage wraps the target's pixels as an image without copying: the
// uint32 layout R | G<<8 | B<<16 | A<<24 is image.RGBA's byte order on a
// little-endian machine.
func toImage(dst render.Target) *image.RGBA {
	pix := unsafe.Slice((*byte)(unsafe.Pointer(&dst.Pix[0])), 4*len(dst.Pix))
	return &image.RGBA{Pix: pix, Stride: 4 * dst.W, Rect: image.Rect(0, 0, dst.W, dst.H)}
}
