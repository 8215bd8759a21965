package scene_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/cmd/trace/internal/scene"
)

func TestFrameTime(t *testing.T) {
	assert.Equal(t, 0.0, scene.FrameTime(5, 60, 0), "still scene")
	assert.Equal(t, 0.5, scene.FrameTime(30, 60, 8))
	assert.Equal(t, 0.0, scene.FrameTime(480, 60, 8), "loops")
	assert.InDelta(t, 7.5, scene.FrameTime(-30, 60, 8), 1e-12, "negative frames wrap")
	assert.Equal(t, 0.0, scene.FrameTime(1, 0, 8), "bad fps")
	assert.Equal(t, 0.0, scene.FrameTime(1, math.NaN(), 8))
}

func TestSampleTransform(t *testing.T) {
	keys := []scene.TransformKey{
		{Time: 1, Transform: scene.Transform{Translate: scene.Vec3{0, 0, 0}, Scale: scene.Vec3{1, 1, 1}}},
		{Time: 3, Transform: scene.Transform{Translate: scene.Vec3{4, 0, 0}, Rotate: scene.Vec3{0, 90, 0}, Scale: scene.Vec3{3, 3, 3}}},
	}
	assert.Equal(t, keys[0].Transform, scene.SampleTransform(keys, 0), "clamps before the first key")
	assert.Equal(t, keys[1].Transform, scene.SampleTransform(keys, 9), "clamps after the last key")
	mid := scene.SampleTransform(keys, 2)
	assert.Equal(t, scene.Vec3{2, 0, 0}, mid.Translate)
	assert.Equal(t, scene.Vec3{0, 45, 0}, mid.Rotate)
	assert.Equal(t, scene.Vec3{2, 2, 2}, mid.Scale)
	assert.Equal(t, keys[0].Transform, scene.SampleTransform(keys, math.NaN()), "NaN time stays in range")
}

func TestMatrix(t *testing.T) {
	tr := scene.Transform{Translate: scene.Vec3{1, 2, 3}, Rotate: scene.Vec3{0, 90, 0}, Scale: scene.Vec3{2, 2, 2}}
	m := tr.Matrix()
	p := m.Point(scene.Vec3{1, 0, 0})
	assertVec(t, scene.Vec3{1, 2, 1}, p) // scaled to 2, rotated to -z, moved
	back := m.Inverse().Point(p)
	assertVec(t, scene.Vec3{1, 0, 0}, back)
	n := m.Inverse().Normal(scene.Vec3{0, 1, 0})
	assertVec(t, scene.Vec3{0, 1, 0}, n)
}

func assertVec(t *testing.T, want, got scene.Vec3) {
	t.Helper()
	assert.InDelta(t, 0, want.Sub(got).Length(), 1e-9, "want %v, got %v", want, got)
}

func TestSampleCamera(t *testing.T) {
	key := func(time, x float64) scene.CameraKey {
		return scene.CameraKey{Time: time, Position: scene.Vec3{x, 0, 0}, LookAt: scene.Vec3{x, 0, -1}, Up: scene.Vec3{0, 1, 0}, FOV: 40 + time}
	}
	keys := []scene.CameraKey{key(0, 0), key(1, 1), key(2, 0), key(3, -1), key(4, 0)}
	lin := scene.SampleCamera(keys, 0.5, false, 4)
	assert.Equal(t, 0.5, lin.Position.X)
	assert.Equal(t, 40.5, lin.FOV)
	smooth := scene.SampleCamera(keys, 0.5, true, 4)
	assert.Greater(t, smooth.Position.X, 0.5, "the spline bulges towards the next key")
	assert.Equal(t, 40.5, smooth.FOV, "scalars stay linear")
	for _, k := range keys {
		assert.Equal(t, k.Position, scene.SampleCamera(keys, k.Time, true, 4).Position, "passes through keys")
	}
	// A closed track is smooth across the seam: equal slopes on both sides.
	const h = 1e-6
	before := scene.SampleCamera(keys, 4-h, true, 4).Position.X
	after := scene.SampleCamera(keys, h, true, 4).Position.X
	assert.InDelta(t, (0-before)/h, (after-0)/h, 1e-3)
}

func TestSweptBounds(t *testing.T) {
	lo, hi := scene.Vec3{-1, -1, -1}, scene.Vec3{1, 2, 1}
	for _, keys := range [][]scene.TransformKey{
		{{Time: 0, Transform: scene.Transform{Scale: scene.Vec3{1, 1, 1}}},
			{Time: 1, Transform: scene.Transform{Translate: scene.Vec3{5, 0, 0}, Scale: scene.Vec3{2, 1, 1}}}},
		{{Time: 0, Transform: scene.Transform{Scale: scene.Vec3{1, 1, 1}}},
			{Time: 1, Transform: scene.Transform{Translate: scene.Vec3{0, 3, 0}, Rotate: scene.Vec3{0, 0, 170}, Scale: scene.Vec3{1, 1, 1}}}},
	} {
		wlo, whi := scene.SweptBounds(keys, lo, hi)
		for i := 0; i <= 100; i++ {
			m := scene.SampleTransform(keys, float64(i)/100).Matrix()
			for c := range 8 {
				p := lo
				if c&1 != 0 {
					p.X = hi.X
				}
				if c&2 != 0 {
					p.Y = hi.Y
				}
				if c&4 != 0 {
					p.Z = hi.Z
				}
				w := m.Point(p)
				require.True(t, w.X >= wlo.X-1e-9 && w.Y >= wlo.Y-1e-9 && w.Z >= wlo.Z-1e-9 &&
					w.X <= whi.X+1e-9 && w.Y <= whi.Y+1e-9 && w.Z <= whi.Z+1e-9, "corner %v at t=%d outside %v %v", w, i, wlo, whi)
			}
		}
	}
}

func TestKeyframesInherit(t *testing.T) {
	src := `{"animation": {"duration": 4, "fps": 30},
  "camera": {"position": [0, 1, 5], "look_at": [0, 0, 0], "fov": 50, "keyframes": [{"time": 0}, {"time": 4, "position": [5, 1, 0]}]},
  "materials": {"m": {"type": "diffuse"}},
  "objects": [{"type": "box", "min": [0, 0, 0], "max": [1, 1, 1], "material": "m",
    "transform": {"translate": [1, 0, 0], "scale": [1, 2, 1]},
    "keyframes": [{"time": 0}, {"time": 2, "rotate": [0, 90, 0]}]}]}`
	s, err := scene.Parse("k.json", []byte(src), nil)
	require.NoError(t, err)
	require.Len(t, s.Camera.Keys, 2)
	assert.Equal(t, scene.Vec3{0, 1, 5}, s.Camera.Keys[0].Position)
	assert.Equal(t, 50.0, s.Camera.Keys[1].FOV)
	o := s.Objects[0]
	require.True(t, o.Animated())
	assert.Equal(t, scene.Vec3{1, 2, 1}, o.Keys[1].Scale)
	assert.Equal(t, scene.Vec3{1, 0, 0}, o.Keys[1].Translate)
	assert.Equal(t, 120, s.Frames())
	assert.Equal(t, 0.5, s.Time(15))
}
