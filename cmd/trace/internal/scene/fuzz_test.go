package scene_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/shmrun/shmrun/cmd/trace/internal/scene"
	"github.com/shmrun/shmrun/scenes"
)

// FuzzParse checks that no input makes Parse panic, hang or return an
// error that is not one located, one-line *Error.
func FuzzParse(f *testing.F) {
	for _, name := range scene.Names() {
		data, err := readFS(name + ".json")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, obj := range []string{
		`{"type": "mesh", "file": "tri.obj", "material": "red", "smooth": true}`,
		`{"type": "sphere", "center": [0, 0, 0], "radius": 1, "material": "red", "keyframes": [{"time": 0}]}`,
		`{"type": "box", "min": [0, 0, 0], "max": [1, 1, 1], "material": "red", "transform": {"rotate": [0, 45, 0], "scale": 2}}`,
		`{"type": "quad", "vertices": [[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0]], "material": "red"}`,
		`{"type": "terrain", "size": [4, 4], "height": 1, "resolution": 8, "seed": 3, "octaves": 2, "material": "red"}`,
		`{"type": "scatter", "count": 9, "size": [3, 3], "radius": [0.1, 0.2], "materials": ["red"], "avoid": [{"center": [0, 0, 0], "radius": 1}]}`,
		`{"type": "plane", "point": [0, 0, 0], "normal": [0, 1, 0], "material": "red"}`,
	} {
		f.Add([]byte(sceneWith(obj)))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := scene.Parse("f.json", data, meshFS)
		if err != nil {
			var se *scene.Error
			if !errors.As(err, &se) || bytes.ContainsAny([]byte(err.Error()), "\n\r") {
				t.Fatalf("error %q is not a one-line *scene.Error", err)
			}
			return
		}
		if len(s.Camera.Keys) == 0 {
			t.Fatal("valid scene without camera keys")
		}
	})
}

// FuzzParseOBJ checks that no input makes ParseOBJ panic or exceed its
// triangle budget.
func FuzzParseOBJ(f *testing.F) {
	data, err := readFS("cornell_block.obj")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte("v 0 0 0\nv 1 0 0\nv 0 1 0\nvn 0 0 1\nf 1//1 2//1 3//1\nf -1 -2 -3\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := scene.ParseOBJ("f.obj", bytes.NewReader(data), 1000)
		if err != nil {
			return
		}
		if len(m.Faces) == 0 || len(m.Faces) > 1000 {
			t.Fatalf("%d faces", len(m.Faces))
		}
		for _, face := range m.Faces {
			for _, i := range face {
				if int(i) >= len(m.Positions) {
					t.Fatalf("index %d of %d", i, len(m.Positions))
				}
			}
		}
	})
}

func readFS(name string) ([]byte, error) {
	f, err := scenes.FS().Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var b bytes.Buffer
	_, err = b.ReadFrom(f)
	return b.Bytes(), err
}
