package render

import (
	"math"
	"unsafe"

	"github.com/shmrun/shmrun/cmd/trace/internal/scene"
)

// The compiled scene is one contiguous, pointer-free byte blob:
//
//	header (fixed size, at offset 0)
//	section 0 ... section N-1, each 64-byte aligned
//
// The header holds the magic, the layout version, the blob size, scene-wide
// settings (animation timing, background, tone mapping) and a table of
// (offset, count) pairs, one per section. Every section is a flat array of
// one fixed-layout record type below, in host byte order (the blob never
// leaves the machine that compiled it). Records refer to each other by
// index only, never by pointer, so the blob means the same thing at any
// address in any process.
const (
	blobMagic    = 0x5254_5253 // "SRTR" in little-endian byte order
	blobVersion  = 2
	sectionAlign = 64
	maxTreeDepth = 64 // BVH height bound, in wide nodes
	maxLeafRefs  = 16
	noNormals    = ^uint32(0)
)

// Section indices in header.Sections.
const (
	secNodes       = iota // []wideNode: every BVH (the world's, one per instance)
	secRefs               // []uint32: primitive references of BVH leaves
	secTriangles          // []triangle
	secNormals            // []triNormals: vertex normals of smooth triangles
	secSpheres            // []sphere
	secBoxes              // []box
	secPlanes             // []plane: unbounded, outside every BVH
	secMaterials          // []material
	secLights             // []light
	secInstances          // []instance: a BVH placed by keyframes
	secKeys               // []scene.TransformKey: instance keyframes
	secCamera             // []scene.CameraKey: camera keyframes
	secShadowCells        // []cellRange: light buffers of point lights
	secShadowRefs         // []uint32: world references of light-buffer cells
	numSections
)

// header flags.
const (
	flagSmoothCamera = 1 << iota
)

// section locates one array in the blob.
type section struct {
	Off   uint32 // byte offset from the start of the blob
	Count uint32 // number of records
}

// header is the record at offset 0.
type header struct {
	Magic, Version uint32
	Size           uint64 // total length of the blob in bytes
	Flags          uint32
	ToneMap        uint32 // toneClamp or toneACES
	Background     uint32 // scene.BackgroundKind
	World          uint32 // child word of the world tree's root
	Duration, FPS  float64
	Exposure       float64
	BgColor        Vec
	Zenith         Vec
	Horizon        Vec
	Ground         Vec
	Ambient        Vec
	Sections       [numSections]section
}

// Tone mapping operators.
const (
	toneClamp = iota
	toneACES
	numToneMaps
)

// wideNode is an inner node of a 4-wide bounding volume hierarchy: the
// boxes of its four children, stored by bound (lo, hi), axis and child so
// that traversal picks a ray's near and far planes by the sign of its
// direction instead of comparing; the children's child words (see
// leafChild); and, per ray octant, the order to visit them in. Order[o]
// packs four slot numbers two bits each, the first to visit in the low
// bits, where bit a of o is set when the ray's direction is negative on
// axis a: it is the front-to-back order of the binary splits the node was
// collapsed from. Unused slots hold empty leaves with empty boxes. A node
// is 128 bytes, two cache lines, and nodes start 64-byte aligned.
type wideNode struct {
	Box   [2][3][4]float32 // [lo, hi][axis][slot]
	Child [4]uint32
	Order [8]uint8
	_     [8]byte
}

// A child word names an inner node (its index in secNodes, top bit clear)
// or a leaf: the top bit set, the number of references in the next five
// bits, and the index of the first in secRefs in the low 26. A leaf of no
// references is an empty slot.
const (
	childLeaf = 1 << 31
	leafShift = 26
	leafFirst = 1<<leafShift - 1
	maxRefs   = 1 << leafShift
)

func leafChild(first, count uint32) uint32 { return childLeaf | count<<leafShift | first }

// leafRange returns the references of the leaf child word c.
func leafRange(c uint32) (first, count uint32) { return c & leafFirst, c >> leafShift & 31 }

// box32 is an axis-aligned box stored in float32, [lo, hi][axis], rounded
// outwards so that it still contains the float64 box it was made from.
type box32 [2][3]float32

func newBox32(lo, hi Vec) box32 {
	return box32{{down(lo.X), down(lo.Y), down(lo.Z)}, {up(hi.X), up(hi.Y), up(hi.Z)}}
}

func (b *box32) lo() Vec { return Vec{float64(b[0][0]), float64(b[0][1]), float64(b[0][2])} }
func (b *box32) hi() Vec { return Vec{float64(b[1][0]), float64(b[1][1]), float64(b[1][2])} }

// emptyBox32 is a box no ray enters.
var emptyBox32 = box32{{inf32, inf32, inf32}, {-inf32, -inf32, -inf32}}

var inf32 = float32(math.Inf(1))

// down and up round to a float32 at or below (above) x.
func down(x float64) float32 {
	f := float32(x)
	if float64(f) > x {
		f = math.Nextafter32(f, float32(math.Inf(-1)))
	}
	return f
}

func up(x float64) float32 {
	f := float32(x)
	if float64(f) < x {
		f = math.Nextafter32(f, float32(math.Inf(1)))
	}
	return f
}

// Primitive references pack a kind in the top two bits and an index into
// the kind's section in the rest.
const (
	refTriangle = 0
	refSphere   = 1
	refBox      = 2
	refInstance = 3 // in the world tree only
	refShift    = 30
	refMask     = 1<<refShift - 1
)

// triangle stores a vertex and two edges (what Moller-Trumbore needs).
type triangle struct {
	A, E1, E2 Vec
	Mat       uint32
	Normals   uint32 // index into secNormals, or noNormals (flat)
}

// triNormals are the unit vertex normals of a smooth triangle.
type triNormals struct{ N0, N1, N2 Vec }

type sphere struct {
	Center Vec
	Radius float64
	Mat    uint32
	_      uint32
}

type box struct {
	Min, Max Vec
	Mat      uint32
	_        uint32
}

// plane is the plane of points x with x.Normal = Offset.
type plane struct {
	Normal Vec
	Offset float64
	Mat    uint32
	_      uint32
}

// Material kinds match scene.MaterialKind.
const (
	matDiffuse = uint32(scene.Diffuse)
	matMetal   = uint32(scene.Metal)
	matGlass   = uint32(scene.Glass)
	matEmit    = uint32(scene.Emissive)
	matChecker = uint32(scene.Checker)
	numMatKind = matChecker + 1
)

// matLight marks the emissive material of an area light's geometry: the
// path tracer samples such lights directly, so it must not also count their
// emission when a diffuse bounce happens to hit them.
const matLight = 1

type material struct {
	Kind      uint32
	Flags     uint32
	Color     Vec
	Emission  Vec
	Roughness float64
	IOR       float64
	Scale     float64
	Even, Odd uint32
}

// Light kinds match scene.LightKind.
const (
	lightPoint   = uint32(scene.PointLight)
	lightRect    = uint32(scene.RectLight)
	lightSphere  = uint32(scene.SphereLight)
	numLightKind = lightSphere + 1
)

type light struct {
	Kind      uint32
	Shadow    uint32 // first cell of a point light's buffer, or noShadow
	ShadowRes uint32 // its resolution (see shadowRes)
	_         uint32
	P         Vec // point position, sphere centre, rectangle corner
	U, V      Vec // rectangle edges
	N         Vec // rectangle unit normal (emitting side)
	Radius    float64
	Area      float64
	Emission  Vec
}

// instance places the tree at Root (a child word) by its keyframes. Lo
// and Hi bound the tree in object space, for the instance's world bounds
// at each frame.
type instance struct {
	Root     uint32
	KeyFirst uint32
	KeyCount uint32
	_        uint32
	Lo, Hi   Vec
}

// sizeOf returns the record size of the type of a section.
var sizeOf = [numSections]uintptr{
	secNodes:       unsafe.Sizeof(wideNode{}),
	secRefs:        4,
	secTriangles:   unsafe.Sizeof(triangle{}),
	secNormals:     unsafe.Sizeof(triNormals{}),
	secSpheres:     unsafe.Sizeof(sphere{}),
	secBoxes:       unsafe.Sizeof(box{}),
	secPlanes:      unsafe.Sizeof(plane{}),
	secMaterials:   unsafe.Sizeof(material{}),
	secLights:      unsafe.Sizeof(light{}),
	secInstances:   unsafe.Sizeof(instance{}),
	secKeys:        unsafe.Sizeof(scene.TransformKey{}),
	secCamera:      unsafe.Sizeof(scene.CameraKey{}),
	secShadowCells: unsafe.Sizeof(cellRange{}),
	secShadowRefs:  4,
}

// bytesOf views a slice of pointer-free records as bytes.
func bytesOf[T any](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), len(s)*int(unsafe.Sizeof(s[0])))
}

// viewOf views n records of type T at byte offset off of b. The caller has
// checked bounds and alignment.
func viewOf[T any](b []byte, off, n uint32) []T {
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(&b[off])), n)
}
