// Package output writes the trace CLI's finished frames to files and pipes.
//
// # Basics
//
// Every destination is a [Sink]: the render loop calls WriteFrame once per
// finished frame, in order, and Close at the end. [Open] picks the sink from
// the -o flag value:
//
//	""  or "none"   discard every frame (pure speed runs)
//	"x.png"         one frame: x.png; several: x_0000.png, x_0001.png, ...
//	"x.gif"         an animated GIF, streamed frame by frame
//	"x.y4m" or "-"  YUV4MPEG2 video to a file or to stdout, for ffmpeg
//
// A typical pipeline is
//
//	trace -o - | ffmpeg -i - out.mp4
//
// # Caveats
//
// The frame handed to WriteFrame aliases shared memory that workers will
// overwrite with a later frame as soon as WriteFrame returns. A sink reads it
// during the call and keeps no reference to it; none of the sinks here keeps
// a copy either, they encode straight from the caller's pixels.
//
// Writing video to a pipe whose reader has gone (ffmpeg exited) fails with
// EPIPE; for stdout the Go runtime turns that into SIGPIPE and the process
// exits, as `cmd | head` users expect, unless main calls signal.Notify for
// SIGPIPE, in which case WriteFrame returns the wrapped error.
//
// Sinks are not safe for concurrent use: one goroutine, the presenter, owns a
// sink from Open to Close.
package output
