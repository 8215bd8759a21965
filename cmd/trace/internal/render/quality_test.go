package render_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/cmd/trace/internal/render"
)

func TestIntegratorNames(t *testing.T) {
	for _, i := range []render.Integrator{render.Whitted, render.Path} {
		got, err := render.ParseIntegrator(i.String())
		require.NoError(t, err)
		assert.Equal(t, i, got)
	}
	_, err := render.ParseIntegrator("bidir")
	assert.ErrorIs(t, err, render.ErrTile)
	assert.Equal(t, "Integrator(7)", render.Integrator(7).String())
}

func TestSceneQuality(t *testing.T) {
	s, _ := open(t, "cornell")
	assert.Equal(t, render.Quality{SPP: 16, MaxDepth: 8, PixelStep: 1, Integrator: render.Path}, render.SceneQuality(s))
}
