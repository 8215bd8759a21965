// Package render is the ray-tracing core of cmd/trace: vector math, a
// compiled flat scene, bounding volume hierarchies, Whitted and path
// integrators, and tile rendering into a shared frame buffer. It knows
// nothing of processes or shared memory; the runtime hands it byte slices.
//
// # Basics
//
// The master parses a scene (package scene) and calls [Compile], which
// returns one contiguous, pointer-free blob: a header (magic, version,
// size, settings, a table of sections) and flat arrays of fixed-layout
// records that refer to each other by index. The runtime copies the blob
// once into a shared-memory region. Each worker calls [Open] on the shared
// bytes, which validates everything and returns a [Scene] whose arrays alias
// the bytes. Workers then call [Scene.RenderTile] for tiles of frames,
// writing packed RGBA pixels (and, for progressive rendering, float32
// sums) straight into the shared frame buffer.
//
// Geometry is held in 4-wide bounding volume hierarchies of float32
// boxes, built with the surface area heuristic. Static objects are baked
// into world space; each moving object has its own hierarchy in object
// space, placed at render time by keyframes; one world hierarchy holds the
// static primitives and the moving objects, these with bounds that hold
// for the whole animation. The blob never changes while an animation
// plays: time is an input of RenderTile (through the frame number), not of
// Compile. Two more structures answer rays without walking the world
// hierarchy when they can, with the same answers: each point light has a
// light buffer, a cube of cells listing what may block a shadow ray in a
// direction (built by Compile); and each group of about 16x16 pixels lists
// what its camera rays may hit (at render time). A world of at most 16
// references is not walked at all: every other ray tests their list.
//
// A pass of one sample per pixel traces each row of a pixel group a stage
// at a time (camera rays, their hits, the shadow rays of diffuse hits
// aimed at up to two point lights, the shadow tests and shading, tone
// mapping), so that the square roots and divisions of neighbouring pixels
// overlap; its pixels are the same bytes as the sample-at-a-time path's.
//
// For real time at full resolution, a Quality with a Pattern traces only
// some of a frame's pixels and fills the others from the previous frame:
// each pixel's camera ray is traced and written to a G-buffer (depth,
// object id, normal), and a pixel the pattern leaves out takes the
// previous frame's colour where the camera and object motion put its hit
// point, if that frame's G-buffer there matches; otherwise it is traced.
// A coarse pixel step can mix each pixel bilinearly from the traced blocks
// around it (Quality.Bilinear) instead of copying its block's colour.
//
// Rendering is deterministic. Random numbers come from a counter-based
// generator seeded by (frame, pixel, sample), so the same frame, tile for
// tile, is the same bytes whatever the tiling, the order of tiles, the
// number of workers or processes, or a worker crash and retry.
//
// # Caveats
//
// The blob is in host byte order and layout: it is for processes of one
// binary on one machine, not a file format.
//
// Open validates the blob once. If a faulty process writes to the shared
// bytes afterwards, rendering may index out of range; RenderTile recovers
// and returns [ErrCorrupt] rather than crash the worker, but the tile's
// pixels are then garbage. Map the region read-only in workers if you can.
//
// The Whitted integrator is for real time: at one sample per pixel, area
// lights and rough metals are noisy, and an ambient term stands in for
// indirect light. The path tracer converges to the physically based
// answer and needs many samples; accumulate them over passes with
// Target.Accum and Target.Prev.
package render
