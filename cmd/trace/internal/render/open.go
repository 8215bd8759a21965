package render

import (
	"fmt"
	"math"
	"sync/atomic"
	"unsafe"

	"github.com/shmrun/shmrun/cmd/trace/internal/scene"
)

// Scene is a compiled scene opened for rendering. Its arrays alias the blob
// given to Open: nothing is copied. A Scene is safe for concurrent use by
// any number of goroutines calling RenderTile.
type Scene struct {
	blob        []byte
	hdr         *header
	nodes       []wideNode
	refs        []uint32
	tris        []triangle
	normals     []triNormals
	spheres     []sphere
	boxes       []box
	planes      []plane
	mats        []material
	lights      []light
	insts       []instance
	keys        []scene.TransformKey
	cam         []scene.CameraKey
	shadowCells []cellRange
	shadowRefs  []uint32
	lastFrame   atomic.Pointer[frameState] // cache of the most recent frame
	world       []uint32                   // the world tree's references, if worldOK (see worldList)
	worldOK     bool
}

// Open validates a compiled scene blob and returns a Scene whose arrays
// alias b. b is untrusted: Open checks the header, every section's bounds
// and alignment, every index stored in a record, and the shape of every
// BVH (each node has at most one parent, children follow parents, the
// height is bounded, visiting orders are permutations, only the world tree
// refers to instances), so that rendering cannot index out of range, loop
// or recurse.
// Validation is O(len(b)) and copies nothing. b must stay unchanged while
// the Scene is in use (see ErrCorrupt for what happens otherwise).
func Open(b []byte) (*Scene, error) {
	var h header
	if len(b) < int(unsafe.Sizeof(h)) {
		return nil, fmt.Errorf("%w: %d bytes is shorter than the header", ErrBlob, len(b))
	}
	if uintptr(unsafe.Pointer(&b[0]))%8 != 0 {
		return nil, ErrAlign
	}
	hp := (*header)(unsafe.Pointer(&b[0]))
	if hp.Magic != blobMagic {
		return nil, fmt.Errorf("%w: bad magic %#x", ErrBlob, hp.Magic)
	}
	if hp.Version != blobVersion {
		return nil, fmt.Errorf("%w: version %d, want %d", ErrVersion, hp.Version, blobVersion)
	}
	if err := checkHeader(hp, len(b)); err != nil {
		return nil, err
	}
	s := &Scene{blob: b, hdr: hp}
	sec := hp.Sections
	s.nodes = viewOf[wideNode](b, sec[secNodes].Off, sec[secNodes].Count)
	s.refs = viewOf[uint32](b, sec[secRefs].Off, sec[secRefs].Count)
	s.tris = viewOf[triangle](b, sec[secTriangles].Off, sec[secTriangles].Count)
	s.normals = viewOf[triNormals](b, sec[secNormals].Off, sec[secNormals].Count)
	s.spheres = viewOf[sphere](b, sec[secSpheres].Off, sec[secSpheres].Count)
	s.boxes = viewOf[box](b, sec[secBoxes].Off, sec[secBoxes].Count)
	s.planes = viewOf[plane](b, sec[secPlanes].Off, sec[secPlanes].Count)
	s.mats = viewOf[material](b, sec[secMaterials].Off, sec[secMaterials].Count)
	s.lights = viewOf[light](b, sec[secLights].Off, sec[secLights].Count)
	s.insts = viewOf[instance](b, sec[secInstances].Off, sec[secInstances].Count)
	s.keys = viewOf[scene.TransformKey](b, sec[secKeys].Off, sec[secKeys].Count)
	s.cam = viewOf[scene.CameraKey](b, sec[secCamera].Off, sec[secCamera].Count)
	s.shadowCells = viewOf[cellRange](b, sec[secShadowCells].Off, sec[secShadowCells].Count)
	s.shadowRefs = viewOf[uint32](b, sec[secShadowRefs].Off, sec[secShadowRefs].Count)
	if err := s.validate(); err != nil {
		return nil, err
	}
	s.world, s.worldOK = s.worldList()
	return s, nil
}

func blobErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBlob, fmt.Sprintf(format, args...))
}

// checkHeader checks the scalar fields and the section table.
func checkHeader(h *header, n int) error {
	switch {
	case h.Size != uint64(n):
		return blobErr("header says %d bytes, have %d", h.Size, n)
	case !(h.FPS > 0 && h.FPS <= 1e6) || !(h.Duration >= 0 && h.Duration <= 1e9):
		return blobErr("bad animation timing (fps %v, duration %v)", h.FPS, h.Duration)
	case !(h.Exposure > 0 && h.Exposure < math.Inf(1)):
		return blobErr("bad exposure %v", h.Exposure)
	case h.ToneMap >= numToneMaps || h.Background > uint32(scene.BackgroundSky):
		return blobErr("bad tone map %d or background kind %d", h.ToneMap, h.Background)
	}
	for i, s := range h.Sections {
		end := uint64(s.Off) + uint64(s.Count)*uint64(sizeOf[i])
		if s.Off%8 != 0 || end > uint64(n) || (s.Count > 0 && uint64(s.Off) < uint64(unsafe.Sizeof(*h))) {
			return blobErr("section %d (offset %d, %d records) out of bounds", i, s.Off, s.Count)
		}
	}
	return nil
}

// validate checks every index in the records.
func (s *Scene) validate() error {
	for _, check := range []func() error{
		s.checkMaterials, s.checkPrims, s.checkLights, s.checkKeys, s.checkRefs, s.checkTrees, s.checkInstances,
	} {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

func (s *Scene) checkMaterials() error {
	n := uint32(len(s.mats))
	for i, m := range s.mats {
		if m.Kind >= numMatKind {
			return blobErr("material %d has kind %d", i, m.Kind)
		}
		if m.Kind == matChecker && (m.Even >= n || m.Odd >= n || s.mats[m.Even].Kind == matChecker || s.mats[m.Odd].Kind == matChecker) {
			return blobErr("checker material %d refers to material %d/%d", i, m.Even, m.Odd)
		}
	}
	return nil
}

func (s *Scene) checkPrims() error {
	n := uint32(len(s.mats))
	for i, t := range s.tris {
		if t.Mat >= n || (t.Normals != noNormals && t.Normals >= uint32(len(s.normals))) {
			return blobErr("triangle %d: material %d or normals %d out of range", i, t.Mat, t.Normals)
		}
	}
	for i := range s.spheres {
		if s.spheres[i].Mat >= n {
			return blobErr("sphere %d: material out of range", i)
		}
	}
	for i := range s.boxes {
		if s.boxes[i].Mat >= n {
			return blobErr("box %d: material out of range", i)
		}
	}
	for i := range s.planes {
		if s.planes[i].Mat >= n {
			return blobErr("plane %d: material out of range", i)
		}
	}
	return nil
}

func (s *Scene) checkLights() error {
	for i, l := range s.lights {
		if l.Kind >= numLightKind {
			return blobErr("light %d has kind %d", i, l.Kind)
		}
		res := uint64(l.ShadowRes)
		if l.Shadow != noShadow && (l.Kind != lightPoint || res < 2 || res > shadowMaxRes || res%2 != 0 || uint64(l.Shadow)+6*res*res > uint64(len(s.shadowCells))) {
			return blobErr("light %d: light buffer at cell %d (resolution %d) invalid", i, l.Shadow, res)
		}
	}
	for i, c := range s.shadowCells {
		if c.First != shadowWalk && uint64(c.First)+uint64(c.Count) > uint64(len(s.shadowRefs)) {
			return blobErr("light-buffer cell %d: list [%d, +%d) out of range", i, c.First, c.Count)
		}
	}
	return nil
}

// checkKeys checks the camera track; instance tracks are checked with
// their instances.
func (s *Scene) checkKeys() error {
	if len(s.cam) == 0 {
		return blobErr("no camera keyframes")
	}
	return checkTimes(len(s.cam), func(i int) float64 { return s.cam[i].Time })
}

func checkTimes(n int, time func(int) float64) error {
	for i := range n {
		t := time(i)
		if !(t >= 0 && t < math.Inf(1)) || (i > 0 && !(t > time(i-1))) {
			return blobErr("keyframe %d: time %v not finite and increasing", i, t)
		}
	}
	return nil
}

// checkRefs checks the primitive references of leaves and of light-buffer
// cells (which, like the world tree's, may refer to instances).
func (s *Scene) checkRefs() error {
	if err := s.checkRefList(s.refs, "primitive"); err != nil {
		return err
	}
	return s.checkRefList(s.shadowRefs, "light-buffer")
}

func (s *Scene) checkRefList(refs []uint32, what string) error {
	for i, r := range refs {
		idx, limit := r&refMask, 0
		switch r >> refShift {
		case refTriangle:
			limit = len(s.tris)
		case refSphere:
			limit = len(s.spheres)
		case refBox:
			limit = len(s.boxes)
		case refInstance:
			limit = len(s.insts)
		}
		if uint64(idx) >= uint64(limit) {
			return blobErr("%s reference %d (%#x) out of range", what, i, r)
		}
	}
	return nil
}

// checkTrees checks the world tree and the instances' trees (see
// checkForest) and that only the world tree refers to instances, so that
// an instance's tree cannot lead back into an instance.
func (s *Scene) checkTrees() error {
	world, err := checkForest(s.nodes, len(s.refs), s.hdr.World)
	if err != nil {
		return err
	}
	for i := range s.nodes {
		if world[i] {
			continue
		}
		for _, c := range s.nodes[i].Child {
			if err := s.checkObjectLeaf(c); err != nil {
				return fmt.Errorf("node %d: %w", i, err)
			}
		}
	}
	for i, in := range s.insts {
		if in.Root&childLeaf == 0 && (uint64(in.Root) >= uint64(len(s.nodes)) || world[in.Root]) {
			return blobErr("instance %d: root node %d invalid", i, in.Root)
		}
		if err := s.checkObjectLeaf(in.Root); err != nil {
			return fmt.Errorf("instance %d: %w", i, err)
		}
	}
	return nil
}

// checkObjectLeaf checks that the child word c, if it is a leaf of an
// instance's tree, refers to no instance. (checkForest has checked its
// range.)
func (s *Scene) checkObjectLeaf(c uint32) error {
	if c&childLeaf == 0 {
		return nil
	}
	first, n := leafRange(c)
	if uint64(first)+uint64(n) > uint64(len(s.refs)) || n > maxLeafRefs {
		return blobErr("leaf [%d, +%d) out of range", first, n)
	}
	for _, r := range s.refs[first : first+n] {
		if r>>refShift == refInstance {
			return blobErr("instance reference %#x outside the world tree", r)
		}
	}
	return nil
}

// checkInstances checks that every instance has a valid track.
func (s *Scene) checkInstances() error {
	for i, in := range s.insts {
		end := uint64(in.KeyFirst) + uint64(in.KeyCount)
		if in.KeyCount == 0 || end > uint64(len(s.keys)) {
			return blobErr("instance %d: keys [%d, +%d) invalid", i, in.KeyFirst, in.KeyCount)
		}
		keys := s.keys[in.KeyFirst:end]
		if err := checkTimes(len(keys), func(j int) float64 { return keys[j].Time }); err != nil {
			return fmt.Errorf("instance %d: %w", i, err)
		}
		for _, k := range keys {
			if !invertible(k.Transform) {
				return blobErr("instance %d: transform not finite and invertible", i)
			}
		}
	}
	return nil
}

func invertible(t scene.Transform) bool {
	return t.Translate.Finite() && t.Rotate.Finite() && t.Scale.Finite() &&
		t.Scale.X != 0 && t.Scale.Y != 0 && t.Scale.Z != 0 &&
		math.Abs(t.Rotate.X)+math.Abs(t.Rotate.Y)+math.Abs(t.Rotate.Z) < 1e9
}
