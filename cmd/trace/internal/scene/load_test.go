package scene_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/cmd/trace/internal/scene"
	"github.com/shmrun/shmrun/scenes"
)

// TestEmbeddedScenes checks that every committed scene parses and that the
// heavy one has the promised number of procedural triangles.
func TestEmbeddedScenes(t *testing.T) {
	names := scene.Names()
	require.Subset(t, names, []string{"default", "cornell", "spheres", "terrain"})
	for _, name := range names {
		s, err := scene.LoadFS(scenes.FS(), name+".json")
		require.NoError(t, err, name)
		assert.NotEmpty(t, s.Objects, name)
	}
	s, err := scene.Load("terrain")
	require.NoError(t, err)
	assert.GreaterOrEqual(t, s.Triangles(), 100_000)
	s, err = scene.Load("spheres")
	require.NoError(t, err)
	assert.GreaterOrEqual(t, len(s.Objects), 300)
	s, err = scene.Load("default")
	require.NoError(t, err)
	assert.Greater(t, s.Duration, 0.0)
}

func TestLoadResolution(t *testing.T) {
	// From this directory there is no scenes/ folder: a name finds the
	// embedded copy, a path finds the file.
	s, err := scene.Load("cornell")
	require.NoError(t, err)
	assert.Equal(t, "cornell.json", s.Name)
	path := filepath.Join("..", "..", "..", "..", "scenes", "cornell.json")
	s, err = scene.Load(path)
	require.NoError(t, err)
	assert.Equal(t, path, s.Name)
	assert.Equal(t, 10+2*10, s.Triangles(), "the tall block from the OBJ, ten quads")

	// From the repository root, a name finds scenes/<name>.json on disk.
	dir := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(dir, "scenes"), 0o755))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "scenes", "mine.json"), data[:len(data)-3], 0o644))
	t.Chdir(dir)
	_, err = scene.Load("mine")
	require.ErrorIs(t, err, scene.ErrSyntax, "the broken local file was read")
	assert.Contains(t, err.Error(), filepath.Join("scenes", "mine.json")+":")

	_, err = scene.Load("nosuch")
	require.ErrorIs(t, err, scene.ErrNotFound)
	assert.Equal(t, `scene "nosuch": not found (no file of that name, no scenes/nosuch.json, no embedded scene)`, err.Error())
	_, err = scene.Load("nosuch/x.json")
	require.ErrorIs(t, err, scene.ErrNotFound)
	_, err = scene.Load(dir)
	require.ErrorIs(t, err, scene.ErrNotFound, "a directory is not a scene")
}
