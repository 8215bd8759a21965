package render_test

import (
	"fmt"

	"github.com/shmrun/shmrun/cmd/trace/internal/render"
	"github.com/shmrun/shmrun/cmd/trace/internal/scene"
)

// Compile a scene once, open the blob as a worker would, and render a frame
// in two tiles.
func Example() {
	src := `{
  "camera": {"position": [0, 0, 5], "look_at": [0, 0, 0], "fov": 30},
  "background": {"type": "color", "color": [0, 0, 1]},
  "materials": {"white": {"type": "emissive", "color": [1, 1, 1]}},
  "objects": [{"type": "sphere", "center": [0, 0, 0], "radius": 1, "material": "white"}]
}`
	s, err := scene.Parse("example.json", []byte(src), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	// 1. The master compiles the scene into one pointer-free blob, which
	//    the runtime copies once into shared memory.
	blob, err := render.Compile(s)
	if err != nil {
		fmt.Println(err)
		return
	}
	// 2. Each worker opens the shared bytes; Open validates them and
	//    aliases them without copying.
	rs, err := render.Open(blob)
	if err != nil {
		fmt.Println(err)
		return
	}
	// 3. Tiles render straight into the shared frame buffer.
	const w, h = 8, 4
	dst := render.Target{Pix: make([]uint32, w*h), W: w, H: h}
	for _, t := range []render.Tile{{X0: 0, Y0: 0, X1: w, Y1: 2}, {X0: 0, Y0: 2, X1: w, Y1: h}} {
		if _, err := rs.RenderTile(dst, t, render.Quality{}); err != nil {
			fmt.Println(err)
			return
		}
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if dst.Pix[y*w+x] == render.Pixel(255, 255, 255) {
				fmt.Print("#")
			} else {
				fmt.Print(".")
			}
		}
		fmt.Println()
	}
	fmt.Printf("background %#08x\n", dst.Pix[0])
	// Output:
	// ........
	// ...##...
	// ...##...
	// ........
	// background 0xffff0000
}
