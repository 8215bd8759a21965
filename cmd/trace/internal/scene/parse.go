package scene

import (
	"io/fs"
	"math"
)

// Limits on input, so that hostile or mistaken files fail cleanly instead of
// exhausting memory. They are far above what any committed scene needs.
const (
	MaxFileSize     = 16 << 20  // bytes of a scene file
	MaxOBJSize      = 256 << 20 // bytes of an OBJ file (read as a stream)
	MaxValues       = 2_000_000 // JSON values in a scene file
	MaxTriangles    = 4_000_000 // triangles in a scene, all meshes together
	MaxObjects      = 1_000_000 // objects after expanding scatters
	MaxMaterials    = 4096
	MaxLights       = 64
	MaxKeyframes    = 10_000 // per track
	MaxResolution   = 1024   // terrain grid cells per side
	MaxScatterCount = 100_000
)

// Parse parses and validates a scene. name is used in error messages and
// should be the path the user knows the file by. Mesh files named in the
// scene are opened in fsys, relative to its root (the directory of the
// scene file); a nil fsys makes every mesh reference an error.
//
// Every error is an *Error with one line "name:line:col: message" that
// wraps one of the sentinel errors of this package.
func Parse(name string, data []byte, fsys fs.FS) (*Scene, error) {
	d := &decoder{file: name, src: data, fsys: fsys}
	if len(data) > MaxFileSize {
		d.fail(0, ErrLimit, "scene file larger than %d bytes", MaxFileSize)
		return nil, d.err
	}
	root, serr := parseJSON(data)
	if serr != nil {
		sentinel := ErrSyntax
		if serr.limit {
			sentinel = ErrLimit
		}
		d.fail(serr.off, sentinel, "%s", serr.msg)
		return nil, d.err
	}
	s := d.scene(root)
	if d.err != nil {
		return nil, d.err
	}
	s.Name = name
	return s, nil
}

func (d *decoder) scene(root *node) *Scene {
	o := d.obj(root, "scene", "version", "render", "animation", "camera",
		"background", "ambient", "materials", "lights", "objects")
	if v := o.get("version"); v != nil && d.number(v, "scene version", 1) != 1 {
		o.invalid("version", "unsupported format version %v (want 1)", v.num)
	}
	s := &Scene{FPS: 60}
	s.Render = d.render(o.get("render"))
	d.animation(o.get("animation"), s)
	s.Ambient = o.colour("ambient", Vec3{})
	s.Background = d.background(o.get("background"))
	s.Materials = d.materials(o.get("materials"))
	cam := o.need("camera")
	objs := o.need("objects")
	if d.err != nil {
		return nil
	}
	s.Camera = d.camera(cam, s.Duration)
	s.Lights = d.lights(o.get("lights"))
	s.Objects = d.objects(objs, s.Duration)
	return s
}

func (d *decoder) render(n *node) Render {
	r := Render{Width: 640, Height: 360, Integrator: "whitted", SPP: 1, MaxDepth: 5, Exposure: 1, ToneMap: "clamp"}
	if n == nil {
		return r
	}
	o := d.obj(n, "render", "width", "height", "integrator", "spp", "max_depth", "exposure", "tone_map")
	r.Width = o.integer("width", r.Width, 1, 16384)
	r.Height = o.integer("height", r.Height, 1, 16384)
	r.Integrator = d.oneOf(o, "integrator", r.Integrator, "whitted", "path")
	r.SPP = o.integer("spp", r.SPP, 1, 1<<16)
	r.MaxDepth = o.integer("max_depth", r.MaxDepth, 1, 64)
	r.Exposure = o.num("exposure", r.Exposure)
	if !(r.Exposure > 0) || !finite(r.Exposure) {
		o.invalid("exposure", "must be > 0, got %v", r.Exposure)
	}
	r.ToneMap = d.oneOf(o, "tone_map", r.ToneMap, "clamp", "aces")
	return r
}

// oneOf reads a string that must be one of the given words.
func (d *decoder) oneOf(o object, key, def string, words ...string) string {
	s := o.str(key, def)
	for _, w := range words {
		if s == w {
			return s
		}
	}
	o.invalid(key, "unknown value %q (want one of %v)", s, words)
	return def
}

func (d *decoder) animation(n *node, s *Scene) {
	if n == nil {
		return
	}
	o := d.obj(n, "animation", "duration", "fps")
	s.Duration = o.reqNum("duration")
	s.FPS = o.num("fps", s.FPS)
	if !(s.Duration >= 0 && s.Duration <= 86400) {
		o.invalid("duration", "must be in [0, 86400] seconds, got %v", s.Duration)
	}
	if !(s.FPS > 0 && s.FPS <= 1000) {
		o.invalid("fps", "must be in (0, 1000], got %v", s.FPS)
	}
}

func (d *decoder) background(n *node) Background {
	if n == nil {
		return Background{}
	}
	switch t := d.typeOf(n, "background"); t {
	case "color":
		o := d.obj(n, "color background", "type", "color")
		return Background{Kind: BackgroundColor, Color: o.colour("color", Vec3{})}
	case "sky":
		o := d.obj(n, "sky", "type", "zenith", "horizon", "ground")
		return Background{
			Kind:    BackgroundSky,
			Zenith:  o.colour("zenith", Vec3{0.3, 0.5, 0.9}),
			Horizon: o.colour("horizon", Vec3{0.9, 0.9, 1}),
			Ground:  o.colour("ground", Vec3{0.3, 0.3, 0.3}),
		}
	case "":
	default:
		d.badType(n, "background", t, "color", "sky")
	}
	return Background{}
}

var cameraFields = []string{"position", "look_at", "up", "fov", "aperture", "focus_distance"}

func (d *decoder) camera(n *node, duration float64) Camera {
	o := d.obj(n, "camera", append(cameraFields, "interpolation", "keyframes")...)
	base := CameraKey{Up: Vec3{0, 1, 0}, FOV: 40}
	c := Camera{Smooth: d.oneOf(o, "interpolation", "linear", "linear", "smooth") == "smooth"}
	kn := o.get("keyframes")
	if kn == nil {
		base = readCamera(o, base, true)
		d.checkCamera(o, base)
		c.Keys = []CameraKey{base}
		return c
	}
	base = readCamera(o, base, false)
	for _, e := range d.keyframes(kn, "camera keyframes") {
		ko := d.obj(e, "camera keyframe", append(cameraFields, "time")...)
		k := readCamera(ko, base, false)
		k.Time = ko.reqNum("time")
		d.checkCamera(ko, k)
		c.Keys = append(c.Keys, k)
	}
	d.checkTimes(kn, len(c.Keys), func(i int) float64 { return c.Keys[i].Time }, duration)
	return c
}

// readCamera reads camera fields over defaults from base.
func readCamera(o object, base CameraKey, required bool) CameraKey {
	k := base
	if required {
		k.Position, k.LookAt = o.reqVec("position"), o.reqVec("look_at")
	} else {
		k.Position, k.LookAt = o.vec("position", k.Position), o.vec("look_at", k.LookAt)
	}
	k.Up = o.vec("up", k.Up)
	k.FOV = o.num("fov", k.FOV)
	k.Aperture = o.num("aperture", k.Aperture)
	k.FocusDistance = o.num("focus_distance", k.FocusDistance)
	return k
}

// checkCamera validates one camera key read from o.
func (d *decoder) checkCamera(o object, k CameraKey) {
	if o.n == nil || d.err != nil {
		return
	}
	view := k.LookAt.Sub(k.Position)
	switch {
	case !(k.FOV > 0 && k.FOV < 180):
		o.invalid("fov", "must be in (0, 180) degrees, got %v", k.FOV)
	case !(k.Aperture >= 0) || !finite(k.Aperture):
		o.invalid("aperture", "must be >= 0, got %v", k.Aperture)
	case !(k.FocusDistance >= 0) || !finite(k.FocusDistance):
		o.invalid("focus_distance", "must be >= 0 (0: distance to look_at), got %v", k.FocusDistance)
	case !view.Finite() || !k.Up.Finite() || view.Length() < 1e-9:
		o.invalid("look_at", "must differ from position")
	case view.Normalize().Cross(k.Up.Normalize()).Length() < 1e-6:
		o.invalid("up", "must not be parallel to the view direction")
	}
}

// keyframes checks that n is a non-empty array of at most MaxKeyframes.
func (d *decoder) keyframes(n *node, what string) []*node {
	if !d.isKind(n, arrayNode, what) {
		return nil
	}
	if len(n.elems) == 0 || len(n.elems) > MaxKeyframes {
		d.fail(n.off, ErrValue, "%s: need 1 to %d keyframes, got %d", what, MaxKeyframes, len(n.elems))
		return nil
	}
	return n.elems
}

// checkTimes checks that keyframe times increase strictly within
// [0, duration].
func (d *decoder) checkTimes(n *node, count int, time func(int) float64, duration float64) {
	if d.err != nil {
		return
	}
	for i := range count {
		t := time(i)
		switch {
		case !(t >= 0 && t <= duration):
			d.fail(n.elems[i].off, ErrValue, "keyframe time %v outside the animation [0, %v]", t, duration)
		case i > 0 && !(t > time(i-1)):
			d.fail(n.elems[i].off, ErrValue, "keyframe time %v not after the previous key (%v)", t, time(i-1))
		}
	}
}

// positive records an error unless v > 0 and finite.
func positive(o object, key string, v float64) {
	if !(v > 0) || math.IsInf(v, 0) {
		o.invalid(key, "must be > 0, got %v", v)
	}
}
