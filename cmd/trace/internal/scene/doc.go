// Package scene reads the scene files of cmd/trace: a strict JSON format
// (documented in scenes/README.md), Wavefront OBJ meshes, procedural
// geometry (terrain heightfields, scattered spheres) and keyframed
// animation. It depends on nothing but the standard library and the
// embedded scene files; package render compiles a Scene for rendering.
//
// # Basics
//
// [Load] finds a scene by path or by name ("default" is scenes/default.json
// or the embedded copy) and [Parse] parses bytes. The result is a validated
// [Scene]: every index is in range and every value possible. Quads,
// terrains and OBJ files become [Mesh] objects; a scatter becomes spheres.
//
// Time is a function of the frame number ([FrameTime]): animations loop.
// An object's motion is a list of [TransformKey] values, sampled with
// [SampleTransform]; the camera's is a list of [CameraKey] values, sampled
// with [SampleCamera]. Both key types are fixed-size and pointer-free so
// that a compiled scene can store them in shared memory as they are.
//
// # Caveats
//
// Errors are *[Error] values whose message is one line,
// "file:line:col: message", classified by sentinels such as
// [ErrUnknownField] (match them with errors.Is). Parsing keeps the first
// error only.
//
// Input is untrusted: sizes, counts, nesting depth and mesh resolution are
// capped (see [MaxFileSize] and the other limits), so a hostile file fails
// with [ErrLimit] instead of exhausting memory. A large but legal scene
// (4 million triangles) still takes hundreds of megabytes.
package scene
