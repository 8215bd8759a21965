package scene_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/cmd/trace/internal/scene"
)

// sceneWith returns a small valid scene whose objects array holds obj, on
// line 5 starting at column 5.
func sceneWith(obj string) string {
	return `{
  "camera": {"position": [0, 1, 5], "look_at": [0, 0, 0]},
  "materials": {"red": {"type": "diffuse", "color": [1, 0, 0]}},
  "objects": [
    ` + obj + `
  ]
}`
}

var meshFS = fstest.MapFS{
	"tri.obj":   {Data: []byte("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n")},
	"bad.obj":   {Data: []byte("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 9\n")},
	"empty.obj": {Data: []byte("# nothing\nv 0 0 0\n")},
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
		sentinel        error
	}{
		{"unknown field", sceneWith(`{"type": "sphere", "center": [0, 0, 0], "radus": 1, "material": "red"}`),
			`x.json:5:45: unknown field "radus" in sphere`, scene.ErrUnknownField},
		{"missing field", sceneWith(`{"type": "sphere", "center": [0, 0, 0], "material": "red"}`),
			`x.json:5:5: missing field "radius" in sphere`, scene.ErrMissing},
		{"wrong type", sceneWith(`{"type": "sphere", "center": [0, 0, 0], "radius": "1", "material": "red"}`),
			`x.json:5:55: sphere radius: expected number, got string`, scene.ErrType},
		{"negative radius", sceneWith(`{"type": "sphere", "center": [0, 0, 0], "radius": -1, "material": "red"}`),
			`x.json:5:55: sphere radius: must be > 0, got -1`, scene.ErrValue},
		{"short vector", sceneWith(`{"type": "sphere", "center": [0, 0], "radius": 1, "material": "red"}`),
			`x.json:5:34: sphere center: expected an array of 3 numbers, got 2 elements`, scene.ErrType},
		{"unknown material", sceneWith(`{"type": "sphere", "center": [0, 0, 0], "radius": 1, "material": "rde"}`),
			`x.json:5:70: sphere material: unknown material "rde"`, scene.ErrReference},
		{"unknown type", sceneWith(`{"type": "cone"}`),
			`x.json:5:14: object type: unknown type "cone" (want one of [sphere plane box quad mesh terrain scatter])`, scene.ErrValue},
		{"missing obj", sceneWith(`{"type": "mesh", "file": "nope.obj", "material": "red"}`),
			`x.json:5:30: mesh file: "nope.obj" cannot be opened: open nope.obj: file does not exist`, scene.ErrNotFound},
		{"obj outside", sceneWith(`{"type": "mesh", "file": "../x.obj", "material": "red"}`),
			`x.json:5:30: mesh file: "../x.obj" must be a relative path inside the scene's directory`, scene.ErrValue},
		{"bad obj", sceneWith(`{"type": "mesh", "file": "bad.obj", "material": "red"}`),
			`bad.obj:4: vertex index 9 out of range (3 defined so far)`, scene.ErrValue},
		{"empty obj", sceneWith(`{"type": "mesh", "file": "empty.obj", "material": "red"}`),
			`empty.obj:2: mesh has no faces`, scene.ErrValue},
		{"zero box", sceneWith(`{"type": "box", "min": [0, 0, 0], "max": [1, 0, 1], "material": "red"}`),
			`x.json:5:46: box max: must exceed min on every axis`, scene.ErrValue},
		{"huge terrain", sceneWith(`{"type": "terrain", "size": [1, 1], "resolution": 5000, "material": "red"}`),
			`x.json:5:55: terrain resolution: must be a whole number in [1, 1024], got 5000`, scene.ErrValue},
		{"syntax", sceneWith(`{"type": "sphere",, }`),
			`x.json:5:23: expected a quoted field name, found ','`, scene.ErrSyntax},
		{"trailing", sceneWith(`{}`) + "x",
			`x.json:7:2: unexpected 'x' after the top-level value`, scene.ErrSyntax},
		{"duplicate", sceneWith(`{"type": "sphere", "type": "box"}`),
			`x.json:5:24: duplicate field "type"`, scene.ErrSyntax},
		{"no camera", `{"objects": []}`, `x.json:1:1: missing field "camera" in scene`, scene.ErrMissing},
		{"fov", `{"camera": {"position": [0, 0, 1], "look_at": [0, 0, 0], "fov": 180}, "objects": []}`,
			`x.json:1:65: camera fov: must be in (0, 180) degrees, got 180`, scene.ErrValue},
		{"up parallel", `{"camera": {"position": [0, 1, 0], "look_at": [0, 0, 0]}, "objects": []}`,
			`x.json:1:12: camera up: must not be parallel to the view direction`, scene.ErrValue},
		{"keyframe order", `{"animation": {"duration": 2}, "camera": {"position": [0, 0, 1], "look_at": [0, 0, 0],
  "keyframes": [{"time": 1}, {"time": 0.5}]}, "objects": []}`,
			`x.json:2:30: keyframe time 0.5 not after the previous key (1)`, scene.ErrValue},
		{"checker of checker", `{"camera": {"position": [0, 0, 1], "look_at": [0, 0, 0]}, "materials": {
  "a": {"type": "checker", "even": "b", "odd": "b"}, "b": {"type": "checker", "even": "a", "odd": "a"}}, "objects": []}`,
			`x.json:2:36: checker material even: "b" is itself a checker`, scene.ErrValue},
		{"deep", strings.Repeat("[", 100), `x.json:1:65: nesting deeper than 64 levels`, scene.ErrLimit},
		{"many values", "[" + strings.Repeat("0,", scene.MaxValues) + "0]", `x.json:1:4000000: more than 2000000 values`, scene.ErrLimit},
		{"big file", strings.Repeat(" ", scene.MaxFileSize+1), `x.json:1:1: scene file larger than 16777216 bytes`, scene.ErrLimit},
		{"big number", `{"camera": 1e999}`, `x.json:1:12: number 1e999 out of range`, scene.ErrSyntax},
		{"bad escape", `{"camera": "\q"}`, `x.json:1:12: invalid escape in string`, scene.ErrSyntax},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := scene.Parse("x.json", []byte(tc.src), meshFS)
			require.Error(t, err)
			assert.Equal(t, tc.want, err.Error())
			assert.ErrorIs(t, err, tc.sentinel)
			assert.NotContains(t, err.Error(), "\n")
			var se *scene.Error
			assert.True(t, errors.As(err, &se))
		})
	}
}

func TestParseNoFS(t *testing.T) {
	_, err := scene.Parse("x.json", []byte(sceneWith(`{"type": "mesh", "file": "tri.obj", "material": "red"}`)), nil)
	require.ErrorIs(t, err, scene.ErrNotFound)
}

func TestParseTooManyTriangles(t *testing.T) {
	objs := make([]string, 5)
	for i := range objs {
		objs[i] = `{"type": "terrain", "size": [1, 1], "resolution": 1024, "material": "red"}`
	}
	_, err := scene.Parse("x.json", []byte(sceneWith(strings.Join(objs, ","))), nil)
	require.ErrorIs(t, err, scene.ErrValue)
	assert.Contains(t, err.Error(), fmt.Sprintf("more than %d triangles", scene.MaxTriangles))
}
