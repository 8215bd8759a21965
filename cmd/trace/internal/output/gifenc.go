package output

import (
	"bufio"
	"compress/lzw"
	"encoding/binary"
	"math"
)

// gifStream writes an animated GIF89a one frame at a time, so memory stays
// at one row of indices however long the animation. image/gif can only
// encode a whole animation held in memory (gif.EncodeAll), which for a long
// render is hundreds of megabytes.
type gifStream struct {
	w      *bufio.Writer
	width  int
	height int
	fps    float64
	n      int // frames written
	blocks blockWriter
	lzw    *lzw.Writer
}

func newGIFStream(w *bufio.Writer, width, height int, fps float64) *gifStream {
	g := &gifStream{w: w, width: width, height: height, fps: fps}
	g.blocks.w = w
	g.lzw = lzw.NewWriter(&g.blocks, lzw.LSB, 8).(*lzw.Writer)
	return g
}

// header writes the signature, screen descriptor, global colour table and
// the NETSCAPE2.0 extension that makes viewers loop forever.
func (g *gifStream) header() {
	g.w.WriteString("GIF89a")
	g.u16(g.width)
	g.u16(g.height)
	// Global table present, 8 bits of colour resolution, 2^(7+1) entries.
	g.w.Write([]byte{0xF7, 0, 0})
	pal := gifPalette()
	g.w.Write(pal[:])
	g.w.Write([]byte{0x21, 0xFF, 11})
	g.w.WriteString("NETSCAPE2.0")
	g.w.Write([]byte{3, 1, 0, 0, 0}) // loop count 0: forever
}

// beginFrame writes the graphic control extension (a delay of delay
// hundredths of a second) and the image descriptor, and readies the LZW
// writer for the frame's indices.
func (g *gifStream) beginFrame(delay int) {
	if g.n == 0 {
		g.header()
	}
	// Disposal 1 (leave in place), no transparency.
	g.w.Write([]byte{0x21, 0xF9, 4, 1 << 2})
	g.u16(delay)
	g.w.Write([]byte{0, 0, 0x2C, 0, 0, 0, 0})
	g.u16(g.width)
	g.u16(g.height)
	g.w.Write([]byte{0, 8}) // no local table; LZW minimum code size 8
	g.lzw.Reset(&g.blocks, lzw.LSB, 8)
	g.n++
}

// endFrame flushes the LZW data and terminates the sub-block chain.
func (g *gifStream) endFrame() error {
	if err := g.lzw.Close(); err != nil {
		return err
	}
	if err := g.blocks.Flush(); err != nil {
		return err
	}
	return g.w.WriteByte(0)
}

// trailer ends the file.
func (g *gifStream) trailer() error { return g.w.WriteByte(0x3B) }

// minDelay is the shortest delay a GIF can rely on, in hundredths of a
// second: browsers show a frame whose delay is 0 or 1 for 10, so an
// animation that used 1 would play slower, and unevenly, not faster.
const minDelay = 2

// delay returns source frame n's display time in hundredths of a second.
// Up to 50 fps, delays follow round((n+1)*100/fps) - round(n*100/fps), so
// at 30 fps they go 3,3,4,3,3,4 and the animation keeps real time instead
// of drifting to 33.3 fps. Above 50 fps a frame is shown only if it is the
// latest at a tick of a 50 Hz clock (see shows), for minDelay, so that the
// animation keeps real time at 50 frames a second.
func (g *gifStream) delay(n int) int {
	if g.fps > 100/minDelay {
		return minDelay
	}
	at := func(k int) int { return int(math.Round(float64(k) * 100 / g.fps)) }
	return min(max(at(n+1)-at(n), minDelay), math.MaxUint16)
}

// shows reports whether source frame n is in the animation: up to 50 fps
// every frame is; above, frame n is when a tick of a 50 Hz clock falls
// within its period [n/fps, (n+1)/fps), as a 50 Hz display shows at each
// refresh the latest frame it has. Every tick then shows a new frame, and
// one frame in six is left out at 60 fps. The last frame is always shown
// (the sink keeps a left-out frame until the next one arrives).
func (g *gifStream) shows(n int) bool {
	if g.fps <= 100/minDelay {
		return true
	}
	ticks := func(k int) float64 { return float64(k) * 100 / minDelay / g.fps } // ticks before frame k starts
	return math.Ceil(ticks(n)) < ticks(n+1)
}

func (g *gifStream) u16(v int) {
	var b [2]byte
	binary.LittleEndian.PutUint16(b[:], uint16(v))
	g.w.Write(b[:])
}

// blockWriter cuts the LZW output into GIF data sub-blocks of at most 255
// bytes, each preceded by its length. It implements io.ByteWriter and
// Flush, so the LZW writer uses it directly instead of adding a bufio.Writer.
type blockWriter struct {
	w   *bufio.Writer
	buf [256]byte // buf[0] holds the length
	n   int
}

func (b *blockWriter) WriteByte(c byte) error {
	b.n++
	b.buf[b.n] = c
	if b.n == 255 {
		return b.Flush()
	}
	return nil
}

func (b *blockWriter) Write(p []byte) (int, error) {
	for i, c := range p {
		if err := b.WriteByte(c); err != nil {
			return i, err
		}
	}
	return len(p), nil
}

// Flush writes the pending bytes as one sub-block, if there are any.
func (b *blockWriter) Flush() error {
	if b.n == 0 {
		return nil
	}
	b.buf[0] = byte(b.n)
	_, err := b.w.Write(b.buf[:b.n+1])
	b.n = 0
	return err
}
