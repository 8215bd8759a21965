package scene_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/cmd/trace/internal/scene"
)

func TestParseOBJ(t *testing.T) {
	src := `# a unit square as one quad, with normals and texture coordinates
mtllib x.mtl
o square
v 0 0 0
v 1 0 0
v 1 1 0
v 0 1 0 1.0
vt 0 0
vn 0 0 2
s 1
usemtl red
f 1/1/1 2/1/1 3/1/1 -1/1/-1
`
	m, err := scene.ParseOBJ("sq.obj", strings.NewReader(src), 100)
	require.NoError(t, err)
	assert.Len(t, m.Positions, 4)
	assert.Equal(t, [][3]uint32{{0, 1, 2}, {0, 2, 3}}, m.Faces)
	require.Len(t, m.Normals, 4)
	assert.Equal(t, scene.Vec3{0, 0, 1}, m.Normals[0], "normals are normalised")
}

func TestParseOBJDropsPartialNormals(t *testing.T) {
	m, err := scene.ParseOBJ("x.obj", strings.NewReader("v 0 0 0\nv 1 0 0\nv 0 1 0\nvn 0 0 1\nf 1//1 2 3\n"), 100)
	require.NoError(t, err)
	assert.Nil(t, m.Normals)
}

func TestParseOBJErrors(t *testing.T) {
	const tri = "v 0 0 0\nv 1 0 0\nv 0 1 0\n"
	for _, tc := range []struct {
		src, want string
		sentinel  error
	}{
		{tri + "f 1 2 4\n", "x.obj:4: vertex index 4 out of range (3 defined so far)", scene.ErrValue},
		{tri + "f 1 2 0\n", "x.obj:4: vertex index 0 out of range (3 defined so far)", scene.ErrValue},
		{tri + "f 1 2\n", "x.obj:4: face needs at least 3 vertices, got 2", scene.ErrSyntax},
		{tri + "f 1 2 x\n", `x.obj:4: invalid vertex index "x"`, scene.ErrSyntax},
		{tri + "f 1//7 2 3\n", "x.obj:4: normal index 7 out of range (0 defined so far)", scene.ErrValue},
		{"v 0 0\n", "x.obj:1: expected 3 coordinates, got 2", scene.ErrSyntax},
		{"v 0 0 nan\n", `x.obj:1: invalid coordinate "nan"`, scene.ErrSyntax},
		{"v 0 0 1e999\n", `x.obj:1: invalid coordinate "1e999"`, scene.ErrSyntax},
		{tri + "curv 1 2\n", `x.obj:4: unknown statement "curv"`, scene.ErrSyntax},
		{tri, "x.obj:3: mesh has no faces", scene.ErrValue},
		{tri + "f 1 1 1\n", "x.obj:4: mesh has zero area", scene.ErrValue},
		{tri + "f 1 2 3\nf 1 2 3\n", "x.obj:5: more than 1 triangles", scene.ErrLimit},
		{"", "x.obj:1: mesh has no faces", scene.ErrValue},
	} {
		_, err := scene.ParseOBJ("x.obj", strings.NewReader(tc.src), 1)
		require.Error(t, err, tc.src)
		assert.Equal(t, tc.want, err.Error())
		assert.ErrorIs(t, err, tc.sentinel)
	}
}

func TestParseOBJLongLine(t *testing.T) {
	_, err := scene.ParseOBJ("x.obj", strings.NewReader("# "+strings.Repeat("x", 2<<20)), 1)
	require.ErrorIs(t, err, scene.ErrSyntax)
	assert.Equal(t, "x.obj:1: bufio.Scanner: token too long", err.Error())
}
