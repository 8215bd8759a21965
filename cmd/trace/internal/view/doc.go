// Package view shows the trace CLI's frames live while it renders: in the
// terminal ([Term]) or in a browser ([HTTP]). [Open] picks one from the
// -view flag value ("none", "term" or "http=ADDR").
//
// # Basics
//
// A view is a [View]: an [output.Sink] to which the render loop hands every
// finished frame, and that it tells the run's figures ([Status]: the frame
// rate, the frame time, the deadline misses, the quality rung and the share
// of pixels traced, the workers) before each. Both views show the figures
// next to the picture: the terminal view on a status line under it, the
// HTTP view on its page and as JSON.
//
// Views never slow the render loop down to the pace of their audience: the
// terminal view hands at most 30 frames a second to its own goroutine, which
// draws the newest it has and writes only what changed on the screen; the
// HTTP view keeps only the newest frame, and each browser connection encodes
// and sends whatever is newest when it is ready for more.
//
// # Caveats
//
// A frame aliases shared memory and is valid only during WriteFrame. Both
// views copy it into a buffer they reuse from frame to frame; neither keeps
// a reference to the frame.
//
// The terminal view hides the cursor while it runs; main must Close it on
// every path out, Ctrl-C included, to give the cursor back. When its file
// is not a terminal it writes plain status lines, no escape code.
//
// The HTTP view serves until Close: the trace CLI keeps it up after the
// render, showing the last frame, until Ctrl-C.
package view
