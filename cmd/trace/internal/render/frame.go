package render

import (
	"math"

	"github.com/shmrun/shmrun/cmd/trace/internal/scene"
)

// affine is an affine transform as three matrix rows (see scene.Matrix).
type affine [12]float64

func (m *affine) point(p Vec) Vec {
	return Vec{
		m[0]*p.X + m[1]*p.Y + m[2]*p.Z + m[3],
		m[4]*p.X + m[5]*p.Y + m[6]*p.Z + m[7],
		m[8]*p.X + m[9]*p.Y + m[10]*p.Z + m[11],
	}
}

func (m *affine) dir(d Vec) Vec {
	return Vec{
		m[0]*d.X + m[1]*d.Y + m[2]*d.Z,
		m[4]*d.X + m[5]*d.Y + m[6]*d.Z,
		m[8]*d.X + m[9]*d.Y + m[10]*d.Z,
	}
}

// transposed applies the transpose of m's linear part. With m the
// world-to-object transform, it takes object normals to world normals.
func (m *affine) transposed(n Vec) Vec {
	return Vec{
		m[0]*n.X + m[4]*n.Y + m[8]*n.Z,
		m[1]*n.X + m[5]*n.Y + m[9]*n.Z,
		m[2]*n.X + m[6]*n.Y + m[10]*n.Z,
	}
}

// camera is the camera of one frame as an orthonormal basis.
type camera struct {
	origin, forward, right, up Vec
	tanHalf                    float64 // tan(fov/2)
	lens                       float64 // lens radius (0: pinhole)
	focus                      float64 // focus distance along forward
}

func newCamera(k scene.CameraKey) camera {
	c := camera{origin: Vec(k.Position), lens: k.Aperture / 2, focus: k.FocusDistance}
	view := Vec(k.LookAt).Sub(c.origin)
	c.forward = view.Normalize()
	c.right = c.forward.Cross(Vec(k.Up)).Normalize()
	c.up = c.right.Cross(c.forward)
	c.tanHalf = math.Tan(k.FOV * math.Pi / 360)
	if c.focus == 0 {
		c.focus = view.Length()
	}
	return c
}

// ray returns the primary ray through image position (px, py) in pixels
// (y down) of a w x h image, given k = tanHalf / h (see pixelScale). With
// a lens, the origin is jittered over the aperture using two numbers from
// r.
func (c *camera) ray(px, py, w, h, k float64, r *RNG) (o, d Vec) {
	sx := (2*px - w) * k
	sy := (h - 2*py) * k
	v := c.forward.AddScaled(c.right, sx).AddScaled(c.up, sy) // v.forward = 1
	if c.lens <= 0 {
		return c.origin, v.Normalize()
	}
	focal := c.origin.AddScaled(v, c.focus) // on the focal plane
	lx, ly := diskSample(r)
	o = c.origin.AddScaled(c.right, lx*c.lens).AddScaled(c.up, ly*c.lens)
	return o, focal.Sub(o).Normalize()
}

// pixelScale returns the k of ray for images h pixels high: the image
// plane's half height at unit distance, per half pixel.
func (c *camera) pixelScale(h int) float64 { return c.tanHalf / float64(h) }

// xform is one instance's placement in one frame: the world-to-object
// transform and the instance's world bounds at this time (for a moving
// instance, tighter than the world tree's bounds, which hold for the whole
// animation).
type xform struct {
	toObj   affine
	toWorld affine // the inverse of toObj, for reprojection (see fill.go)
	bounds  box32
	// center and radius (and its square) of a sphere around bounds,
	// padded for rounding
	center          Vec
	radius, radius2 float64
}

func newXform(toWorld scene.Matrix, lo, hi Vec) xform {
	c := lo.Add(hi).Scale(0.5)
	r := hi.Sub(lo).Length()/2*(1+1e-9) + 1e-9*(1+c.Length())
	return xform{toObj: affine(toWorld.Inverse()), toWorld: affine(toWorld), bounds: newBox32(lo, hi), center: c, radius: r, radius2: r * r}
}

// frameState is what one frame needs beyond the immutable blob: the camera
// and instance transforms at the frame's time. It is computed once per
// frame and shared, read-only, by every tile of that frame.
type frameState struct {
	frame int
	cam   camera
	xf    []xform
}

// frame returns the state of a frame, from a one-entry cache. Workers
// render the tiles of one frame in a row, so the cache almost always hits;
// a miss costs one keyframe lookup per instance.
func (s *Scene) frame(frame int) *frameState {
	if f := s.lastFrame.Load(); f != nil && f.frame == frame {
		return f
	}
	f := s.newFrameState(frame)
	s.lastFrame.Store(f)
	return f
}

// newFrameState computes the state of a frame, uncached: a tile that
// reprojects the previous frame needs that frame's state too, and caching
// it would evict the current frame's.
func (s *Scene) newFrameState(frame int) *frameState {
	t := scene.FrameTime(frame, s.hdr.FPS, s.hdr.Duration)
	smooth := s.hdr.Flags&flagSmoothCamera != 0
	f := &frameState{frame: frame, cam: newCamera(scene.SampleCamera(s.cam, t, smooth, s.hdr.Duration))}
	f.xf = make([]xform, len(s.insts))
	for i := range s.insts {
		in := &s.insts[i]
		keys := s.keys[in.KeyFirst : in.KeyFirst+in.KeyCount]
		at := scene.SampleTransform(keys, t)
		lo, hi := scene.SweptBounds([]scene.TransformKey{{Transform: at}}, scene.Vec3(in.Lo), scene.Vec3(in.Hi))
		f.xf[i] = newXform(at.Matrix(), Vec(lo), Vec(hi))
	}
	return f
}

// Time returns the scene time in seconds of a frame number (see
// scene.FrameTime): frames loop over the animation's duration.
func (s *Scene) Time(frame int) float64 { return scene.FrameTime(frame, s.hdr.FPS, s.hdr.Duration) }

// Frames returns the number of distinct frames in one loop of the
// animation, at least 1.
func (s *Scene) Frames() int { return max(int(s.hdr.Duration*s.hdr.FPS+0.5), 1) }
