package scene_test

import (
	"errors"
	"fmt"
	"testing/fstest"

	"github.com/shmrun/shmrun/cmd/trace/internal/scene"
)

// Parse a scene with an animated sphere and sample its motion.
func ExampleParse() {
	src := `{
  "animation": {"duration": 2, "fps": 30},
  "camera": {"position": [0, 1, 5], "look_at": [0, 0, 0]},
  "materials": {"red": {"type": "diffuse", "color": [0.8, 0.1, 0.1]}},
  "objects": [
    {"type": "sphere", "center": [0, 0, 0], "radius": 1, "material": "red",
     "keyframes": [{"time": 0, "translate": [-1, 0, 0]}, {"time": 2, "translate": [1, 0, 0]}]}
  ]
}`
	// 1. Parse: mesh files would be looked up in the fs.FS (none here).
	s, err := scene.Parse("example.json", []byte(src), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	// 2. Frames map to time; the animation loops.
	fmt.Println(s.Frames(), "frames;", "frame 45 is at", s.Time(45), "s")
	// 3. Sample the sphere's keyframes at that time.
	tr := scene.SampleTransform(s.Objects[0].Keys, s.Time(45))
	fmt.Println("sphere at", tr.Translate)

	// Errors are one line, located, and classified by sentinels.
	_, err = scene.Parse("bad.json", []byte(`{"camera": {"position": [0, 1, 5], "look_at": [0, 0, 0], "fov": -5}, "objects": []}`), nil)
	fmt.Println(err)
	fmt.Println(errors.Is(err, scene.ErrValue))
	// Output:
	// 60 frames; frame 45 is at 1.5 s
	// sphere at {0.5 0 0}
	// bad.json:1:65: camera fov: must be in (0, 180) degrees, got -5
	// true
}

// Load an OBJ mesh from a file system next to the scene.
func ExampleParseOBJ() {
	fsys := fstest.MapFS{"tri.obj": {Data: []byte("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n")}}
	f, _ := fsys.Open("tri.obj")
	defer f.Close()
	m, err := scene.ParseOBJ("tri.obj", f, scene.MaxTriangles)
	fmt.Println(len(m.Positions), "vertices,", len(m.Faces), "face, err:", err)
	// Output: 3 vertices, 1 face, err: <nil>
}
