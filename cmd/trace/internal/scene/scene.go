package scene

// Scene is a parsed and validated scene. Every index in it is in range and
// every value is possible: a renderer may use it without further checks.
// A Scene is not modified by this package after Parse returns, so it may be
// read from several goroutines.
type Scene struct {
	Name       string  // file name the scene was parsed from
	Render     Render  // suggested image size and quality
	Duration   float64 // animation length in seconds; 0 for a still scene
	FPS        float64 // frames per second of the animation (> 0)
	Camera     Camera
	Background Background
	Ambient    Vec3 // constant light for the Whitted integrator only
	Materials  []Material
	Lights     []Light
	Objects    []Object
}

// Render holds a scene's suggested output settings. A program may override
// any of them; zero values never appear after parsing (defaults are filled).
type Render struct {
	Width, Height int
	Integrator    string  // "whitted" or "path"
	SPP           int     // samples per pixel per frame
	MaxDepth      int     // maximum ray depth
	Exposure      float64 // linear multiplier applied before tone mapping
	ToneMap       string  // "clamp" or "aces"
}

// Camera is the camera track. Keys has at least one key, sorted by time.
// With Smooth the position and look-at points follow a Catmull-Rom spline
// through the keys instead of straight segments.
type Camera struct {
	Keys   []CameraKey
	Smooth bool
}

// BackgroundKind selects how rays that leave the scene are coloured.
type BackgroundKind uint32

const (
	// BackgroundColor is one constant colour.
	BackgroundColor BackgroundKind = iota
	// BackgroundSky is a vertical gradient: Ground below the horizon,
	// blending Horizon to Zenith above it.
	BackgroundSky
)

// Background describes what a ray that hits nothing sees.
type Background struct {
	Kind                    BackgroundKind
	Color                   Vec3 // BackgroundColor
	Zenith, Horizon, Ground Vec3 // BackgroundSky
}

// MaterialKind is the kind of a Material.
type MaterialKind uint32

// The material kinds.
const (
	Diffuse  MaterialKind = iota // Lambertian: Color is the albedo
	Metal                        // mirror: Color tints, Roughness fuzzes
	Glass                        // dielectric: IOR, Color tints transmission
	Emissive                     // light source: Emission is the radiance
	Checker                      // 3D checkerboard of materials Even and Odd
)

// Material is a surface description. Which fields matter depends on Kind.
type Material struct {
	Name      string
	Kind      MaterialKind
	Color     Vec3
	Roughness float64 // Metal, in [0, 1]
	IOR       float64 // Glass, in [1, 4]
	Emission  Vec3    // Emissive: colour times intensity
	Even, Odd int     // Checker: indices of two non-checker materials
	Scale     float64 // Checker: cells per unit length (> 0)
}

// LightKind is the kind of a Light.
type LightKind uint32

// The light kinds.
const (
	PointLight  LightKind = iota // infinitely small, hard shadows
	RectLight                    // emissive parallelogram, soft shadows
	SphereLight                  // emissive sphere, soft shadows
)

// Light is a light source. A rectangle light spans Corner + s*EdgeU +
// t*EdgeV for s, t in [0, 1] and emits on both sides, so the order of its
// edges does not matter. Rectangle and sphere lights are also visible
// geometry.
type Light struct {
	Kind         LightKind
	Position     Vec3 // point light position, sphere light centre
	Radius       float64
	Corner       Vec3
	EdgeU, EdgeV Vec3
	Emission     Vec3 // colour times intensity
}

// ObjectKind is the kind of an Object.
type ObjectKind uint32

// The object kinds after parsing. Quads, terrains and OBJ files all become
// meshes; a scatter becomes many spheres.
const (
	SphereObject ObjectKind = iota
	PlaneObject
	BoxObject
	MeshObject
)

// Object is one primitive with its material and motion. Its geometry is in
// object space; Keys (at least one, sorted by time) place it in the world.
// An object with one key is static. Planes are always static.
type Object struct {
	Name     string
	Kind     ObjectKind
	Material int     // index into Scene.Materials
	Center   Vec3    // sphere
	Radius   float64 // sphere
	Point    Vec3    // plane: a point on it
	Normal   Vec3    // plane: unit normal
	Min, Max Vec3    // box corners, Min < Max on every axis
	Mesh     *Mesh   // mesh; may be shared by several objects
	Keys     []TransformKey
}

// Animated reports whether o moves over time.
func (o *Object) Animated() bool { return len(o.Keys) > 1 }

// Mesh is an indexed triangle mesh. Normals is nil (flat shading) or has
// one unit normal per position. Every index in Faces is < len(Positions).
type Mesh struct {
	Positions []Vec3
	Normals   []Vec3
	Faces     [][3]uint32
}

// Bounds returns the axis-aligned bounds of m's positions.
func (m *Mesh) Bounds() (lo, hi Vec3) {
	if len(m.Positions) == 0 {
		return
	}
	lo, hi = m.Positions[0], m.Positions[0]
	for _, p := range m.Positions[1:] {
		lo, hi = lo.Min(p), hi.Max(p)
	}
	return lo, hi
}

// Time maps a frame number to scene time in seconds: frame/FPS, wrapped
// into [0, Duration) so that animations loop. A still scene is always at 0.
func (s *Scene) Time(frame int) float64 { return FrameTime(frame, s.FPS, s.Duration) }

// Frames returns the number of distinct frames of one animation loop, at
// least 1.
func (s *Scene) Frames() int {
	n := int(s.Duration*s.FPS + 0.5)
	return max(n, 1)
}

// Triangles returns the number of mesh triangles in s, counting a shared
// mesh once per object that uses it.
func (s *Scene) Triangles() int {
	n := 0
	for i := range s.Objects {
		if m := s.Objects[i].Mesh; m != nil {
			n += len(m.Faces)
		}
	}
	return n
}
