package scene

import (
	"math"
	"sort"
)

// TransformKey is a keyframe of an object's motion: the transform at Time
// (seconds). Between keys, translation, rotation angles and scale are
// interpolated linearly, which keeps the swept bounds of a moving object
// easy to bound (see SweptBounds). It is pointer-free and fixed-size, so it
// may be stored in shared memory as is.
type TransformKey struct {
	Time float64
	Transform
}

// CameraKey is a keyframe of the camera track. FOV is the vertical field of
// view in degrees. Aperture is the lens diameter (0: pinhole). FocusDistance
// is the distance in focus along the view direction. It is pointer-free and
// fixed-size, so it may be stored in shared memory as is.
type CameraKey struct {
	Time          float64
	Position      Vec3
	LookAt        Vec3
	Up            Vec3
	FOV           float64
	Aperture      float64
	FocusDistance float64
}

// FrameTime maps a frame number to time in seconds: frame/fps wrapped into
// [0, duration). A duration <= 0 (a still scene) or an fps <= 0 gives 0.
// Negative frames wrap too, so every frame number has a time.
func FrameTime(frame int, fps, duration float64) float64 {
	if !(duration > 0) || !(fps > 0) {
		return 0
	}
	t := math.Mod(float64(frame)/fps, duration)
	if t < 0 {
		t += duration
	}
	if !(t >= 0 && t < duration) { // rounding or non-finite input
		return 0
	}
	return t
}

// segment finds the keys around t: keys[i].Time <= t < keys[i+1].Time and
// the fraction of the way from one to the other. Before the first key or
// after the last, it clamps (fraction 0 at key 0 or at the last key). It
// only compares, so unsorted or NaN times give a wrong but in-range index.
func segment(n int, time func(int) float64, t float64) (i int, f float64) {
	if n < 2 || !(t > time(0)) {
		return 0, 0
	}
	i = sort.Search(n, func(j int) bool { return time(j) > t }) - 1
	if i >= n-1 {
		return n - 1, 0
	}
	i = max(i, 0)
	t0, t1 := time(i), time(i+1)
	f = (t - t0) / (t1 - t0)
	if !(f >= 0 && f <= 1) {
		f = 0
	}
	return i, f
}

// SampleTransform returns the transform of a keyframed object at time t.
// keys must not be empty. Interpolation is linear; t outside the keys
// clamps to the first or last key.
func SampleTransform(keys []TransformKey, t float64) Transform {
	i, f := segment(len(keys), func(j int) float64 { return keys[j].Time }, t)
	a := keys[i].Transform
	if f == 0 {
		return a
	}
	b := keys[i+1].Transform
	return Transform{
		Translate: lerp(a.Translate, b.Translate, f),
		Rotate:    lerp(a.Rotate, b.Rotate, f),
		Scale:     lerp(a.Scale, b.Scale, f),
	}
}

func lerp(a, b Vec3, f float64) Vec3 { return a.Add(b.Sub(a).Scale(f)) }

// SampleCamera returns the camera at time t. keys must not be empty. With
// smooth, Position and LookAt follow a Catmull-Rom spline through the keys
// (with tangents from neighbouring keys, so unevenly spaced keys work);
// the other fields are always linear. When the track is closed (first key
// at 0, last key at duration and equal to the first) the spline wraps round,
// so a looping camera path has no kink at the seam.
func SampleCamera(keys []CameraKey, t float64, smooth bool, duration float64) CameraKey {
	i, f := segment(len(keys), func(j int) float64 { return keys[j].Time }, t)
	a := keys[i]
	if f == 0 {
		return a
	}
	b := keys[i+1]
	c := CameraKey{
		Time:          t,
		Position:      lerp(a.Position, b.Position, f),
		LookAt:        lerp(a.LookAt, b.LookAt, f),
		Up:            lerp(a.Up, b.Up, f),
		FOV:           a.FOV + (b.FOV-a.FOV)*f,
		Aperture:      a.Aperture + (b.Aperture-a.Aperture)*f,
		FocusDistance: a.FocusDistance + (b.FocusDistance-a.FocusDistance)*f,
	}
	if smooth {
		s := spline{keys, closed(keys, duration), duration}
		c.Position = s.eval(i, f, func(k CameraKey) Vec3 { return k.Position })
		c.LookAt = s.eval(i, f, func(k CameraKey) Vec3 { return k.LookAt })
	}
	return c
}

// closed reports whether a camera track loops seamlessly.
func closed(keys []CameraKey, duration float64) bool {
	n := len(keys)
	return n > 2 && keys[0].Time == 0 && keys[n-1].Time == duration &&
		keys[0].Position == keys[n-1].Position && keys[0].LookAt == keys[n-1].LookAt
}

// spline is a Catmull-Rom (cubic Hermite) spline over camera keys.
type spline struct {
	keys     []CameraKey
	closed   bool
	duration float64
}

// eval interpolates field between keys i and i+1 at fraction f.
func (s spline) eval(i int, f float64, field func(CameraKey) Vec3) Vec3 {
	dt := s.keys[i+1].Time - s.keys[i].Time
	p0, p1 := field(s.keys[i]), field(s.keys[i+1])
	m0 := s.tangent(i, field).Scale(dt)
	m1 := s.tangent(i+1, field).Scale(dt)
	f2, f3 := f*f, f*f*f
	h00, h10 := 2*f3-3*f2+1, f3-2*f2+f
	h01, h11 := -2*f3+3*f2, f3-f2
	return p0.Scale(h00).Add(m0.Scale(h10)).Add(p1.Scale(h01)).Add(m1.Scale(h11))
}

// tangent is the finite-difference slope at key j.
func (s spline) tangent(j int, field func(CameraKey) Vec3) Vec3 {
	n := len(s.keys)
	prev, next := j-1, j+1
	tp, tn := 0.0, 0.0 // time shifts for wrapped neighbours
	switch {
	case s.closed && j == 0:
		prev, tp = n-2, -s.duration
	case s.closed && j == n-1:
		next, tn = 1, s.duration
	case j == 0:
		prev = 0
	case j == n-1:
		next = n - 1
	}
	dt := s.keys[next].Time + tn - s.keys[prev].Time - tp
	if !(dt > 0) {
		return Vec3{}
	}
	return field(s.keys[next]).Sub(field(s.keys[prev])).Scale(1 / dt)
}

// SweptBounds returns an axis-aligned box containing the object-space box
// [lo, hi] under every transform the keys produce at any time, not only at
// the keys. When the rotation is the same in every key, positions are
// linear in time between keys and the union of the boxes at the keys is
// exact. Otherwise the box is bounded by a sphere around it, scaled by the
// largest scale and swept along the translations.
func SweptBounds(keys []TransformKey, lo, hi Vec3) (wlo, whi Vec3) {
	wlo = Vec3{math.Inf(1), math.Inf(1), math.Inf(1)}
	whi = wlo.Scale(-1)
	if sameRotation(keys) {
		for _, k := range keys {
			a, b := transformBox(k.Matrix(), lo, hi)
			wlo, whi = wlo.Min(a), whi.Max(b)
		}
		return wlo, whi
	}
	c := lo.Add(hi).Scale(0.5)
	r := c.Length() + hi.Sub(lo).Length()/2 // sphere at origin covering the box
	for _, k := range keys {
		s := math.Max(k.Scale.X, math.Max(k.Scale.Y, k.Scale.Z))
		e := Vec3{r * s, r * s, r * s}
		wlo, whi = wlo.Min(k.Translate.Sub(e)), whi.Max(k.Translate.Add(e))
	}
	return wlo, whi
}

func sameRotation(keys []TransformKey) bool {
	for _, k := range keys[1:] {
		if k.Rotate != keys[0].Rotate {
			return false
		}
	}
	return true
}

// transformBox returns the bounds of the eight transformed corners.
func transformBox(m Matrix, lo, hi Vec3) (wlo, whi Vec3) {
	for i := range 8 {
		p := lo
		if i&1 != 0 {
			p.X = hi.X
		}
		if i&2 != 0 {
			p.Y = hi.Y
		}
		if i&4 != 0 {
			p.Z = hi.Z
		}
		w := m.Point(p)
		if i == 0 {
			wlo, whi = w, w
		}
		wlo, whi = wlo.Min(w), whi.Max(w)
	}
	return wlo, whi
}
