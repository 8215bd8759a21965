package render

import (
	"fmt"

	"github.com/shmrun/shmrun/cmd/trace/internal/scene"
)

// String returns the integrator's name as scene files and flags spell it:
// "whitted" or "path".
func (i Integrator) String() string {
	switch i {
	case Whitted:
		return "whitted"
	case Path:
		return "path"
	}
	return fmt.Sprintf("Integrator(%d)", uint8(i))
}

// ParseIntegrator returns the integrator named s ("whitted" or "path"), or
// an error wrapping ErrTile for any other name.
func ParseIntegrator(s string) (Integrator, error) {
	switch s {
	case "whitted":
		return Whitted, nil
	case "path":
		return Path, nil
	}
	return 0, fmt.Errorf("%w: unknown integrator %q (want whitted or path)", ErrTile, s)
}

// SceneQuality returns the quality a scene file suggests in its "render"
// block (samples per pixel, depth, integrator), with a pixel step of 1.
func SceneQuality(s *scene.Scene) Quality {
	q := Quality{SPP: s.Render.SPP, MaxDepth: s.Render.MaxDepth, PixelStep: 1}
	if i, err := ParseIntegrator(s.Render.Integrator); err == nil {
		q.Integrator = i
	}
	return q
}
