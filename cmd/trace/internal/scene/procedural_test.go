package scene_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/cmd/trace/internal/scene"
)

func TestTerrain(t *testing.T) {
	spec := scene.TerrainSpec{SizeX: 40, SizeZ: 20, Height: 5, Resolution: 224, Seed: 7, Octaves: 5}
	m := spec.Mesh()
	assert.GreaterOrEqual(t, len(m.Faces), 100_000)
	assert.Len(t, m.Positions, 225*225)
	assert.Len(t, m.Normals, len(m.Positions))
	lo, hi := m.Bounds()
	assert.Equal(t, scene.Vec3{-20, lo.Y, -10}, lo)
	assert.Equal(t, scene.Vec3{20, hi.Y, 10}, hi)
	assert.True(t, lo.Y >= 0 && hi.Y < 5 && hi.Y > lo.Y, "heights within [0, height)")
	for _, n := range m.Normals {
		require.Greater(t, n.Y, 0.0, "a heightfield's normals point up")
	}
	assert.Equal(t, m, spec.Mesh(), "deterministic")
	spec.Seed = 8
	assert.NotEqual(t, m.Positions, spec.Mesh().Positions, "the seed matters")
}

func TestScatter(t *testing.T) {
	src := `{"camera": {"position": [0, 1, 5], "look_at": [0, 0, 0]},
  "materials": {"a": {"type": "diffuse"}, "b": {"type": "metal"}},
  "objects": [{"type": "scatter", "seed": 3, "count": 100, "center": [0, 1, 0], "size": [10, 10],
    "radius": [0.1, 0.4], "materials": ["a", "b"], "avoid": [{"center": [0, 1, 0], "radius": 1}]}]}`
	s, err := scene.Parse("s.json", []byte(src), nil)
	require.NoError(t, err)
	assert.Greater(t, len(s.Objects), 80)
	assert.Less(t, len(s.Objects), 100, "some spheres avoid the centre")
	used := map[int]bool{}
	for i, a := range s.Objects {
		assert.Equal(t, scene.SphereObject, a.Kind)
		assert.InDelta(t, 1+a.Radius, a.Center.Y, 1e-12, "spheres rest on the ground")
		assert.GreaterOrEqual(t, a.Center.Sub(scene.Vec3{0, 1, 0}).Length(), 1+a.Radius)
		used[a.Material] = true
		for _, b := range s.Objects[:i] {
			require.GreaterOrEqual(t, a.Center.Sub(b.Center).Length(), a.Radius+b.Radius, "no overlaps")
		}
	}
	assert.Len(t, used, 2)
	again, err := scene.Parse("s.json", []byte(src), nil)
	require.NoError(t, err)
	assert.Equal(t, s.Objects, again.Objects, "deterministic")
}
