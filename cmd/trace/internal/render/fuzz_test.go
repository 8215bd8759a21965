package render_test

import (
	"errors"
	"testing"
	"unsafe"

	"github.com/shmrun/shmrun/cmd/trace/internal/render"
	"github.com/shmrun/shmrun/cmd/trace/internal/scene"
)

// fuzzScene is small enough for the fuzzer to mutate usefully, yet has
// every record kind: planes, spheres, boxes, smooth triangles, instances
// with keyframes, checker materials, all three light kinds.
const fuzzScene = `{
  "animation": {"duration": 2, "fps": 10},
  "camera": {"position": [0, 2, 6], "look_at": [0, 0, 0], "aperture": 0.1, "interpolation": "smooth",
    "keyframes": [{"time": 0}, {"time": 1, "position": [1, 2, 6]}, {"time": 2}]},
  "background": {"type": "sky"},
  "materials": {
    "a": {"type": "diffuse"}, "b": {"type": "metal", "roughness": 0.2}, "c": {"type": "glass"},
    "d": {"type": "checker", "even": "a", "odd": "b"}, "e": {"type": "emissive", "intensity": 2}},
  "lights": [{"type": "point", "position": [0, 4, 0]}, {"type": "rect", "corner": [0, 3, 0], "edge_u": [1, 0, 0], "edge_v": [0, 0, 1]},
    {"type": "sphere", "center": [2, 3, 0], "radius": 0.3}],
  "objects": [
    {"type": "plane", "point": [0, 0, 0], "normal": [0, 1, 0], "material": "d"},
    {"type": "sphere", "center": [0, 1, 0], "radius": 1, "material": "c"},
    {"type": "box", "min": [-1, 0, -1], "max": [0, 1, 0], "material": "b", "keyframes": [{"time": 0}, {"time": 2, "rotate": [0, 90, 0]}]},
    {"type": "terrain", "size": [2, 2], "resolution": 2, "material": "a", "transform": {"translate": [2, 0, 0]}},
    {"type": "sphere", "center": [0, 0, 0], "radius": 0.2, "material": "e", "keyframes": [{"time": 0, "translate": [1, 1, 1]}, {"time": 1}]}
  ]
}`

// FuzzOpen checks that Open never panics on arbitrary bytes and that a blob
// it accepts renders without an out-of-range access (which RenderTile would
// report as ErrCorrupt) with both integrators.
func FuzzOpen(f *testing.F) {
	s, err := scene.Parse("fuzz.json", []byte(fuzzScene), nil)
	if err != nil {
		f.Fatal(err)
	}
	blob, err := render.Compile(s)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(blob)
	f.Add(blob[:len(blob)/2])
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, err := render.Open(aligned(data))
		if err != nil {
			if !errors.Is(err, render.ErrBlob) && !errors.Is(err, render.ErrVersion) {
				t.Fatalf("unexpected error class: %v", err)
			}
			return
		}
		dst := render.Target{Pix: make([]uint32, 12), W: 4, H: 3}
		for _, q := range []render.Quality{{MaxDepth: 3}, {MaxDepth: 3, Integrator: render.Path, SPP: 2}} {
			if _, err := rs.RenderTile(dst, render.Tile{X1: 4, Y1: 3, Frame: 7}, q); err != nil {
				t.Fatalf("render: %v", err)
			}
		}
	})
}

// aligned copies data to an 8-byte aligned buffer, as an arena region is.
func aligned(data []byte) []byte {
	if len(data) == 0 {
		return data
	}
	words := make([]uint64, (len(data)+7)/8)
	b := unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), len(data))
	copy(b, data)
	return b
}
