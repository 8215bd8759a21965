// Package view shows the trace CLI's frames live while it renders: in the
// terminal ([Term]) or in a browser ([HTTP]). [Open] picks one from the
// -view flag value ("none", "term" or "http=ADDR").
//
// # Basics
//
// A view is an [output.Sink]: the render loop hands it every finished frame
// and the view decides what to show. Views never slow the render loop down
// to the pace of their audience: the terminal view redraws at most 30 times
// a second and writes from its own goroutine, dropping redraws while the
// terminal is still busy with the previous one; the HTTP view keeps only the
// newest frame, and each browser connection encodes and sends whatever is
// newest when it is ready for more.
//
// # Caveats
//
// A frame aliases shared memory and is valid only during WriteFrame. The
// terminal view reads it there to build its small preview; the HTTP view
// copies it into a buffer it reuses from frame to frame. Neither keeps a
// reference to the frame.
//
// The terminal view hides the cursor while it runs; main must Close it on
// every path out, Ctrl-C included, to give the cursor back.
package view
