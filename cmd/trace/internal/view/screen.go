package view

import (
	"image"
	"strings"
)

// screen is the terminal view's drawer state: its copy of the newest frame
// and what it has drawn, so that a redraw writes only what changed.
type screen struct {
	img   image.RGBA // the newest frame handed over; Pix reused
	seen  uint64     // its sequence number in latest; 0: none yet
	frame int

	cols, rows  int      // the terminal's size at the last drawing; 0: none yet
	shown, next cells    // the preview on the terminal, and the one being made
	lines       []string // the status lines on the terminal
	buf         []byte   // the text of a drawing; reused
}

// ansi returns the text that turns what is on the terminal into the preview
// of s.img with the figures under it, at cols x rows cells: everything
// after a change of size (or when all is set), otherwise only the lines of
// cells whose pixels changed and the status lines whose text did; nothing
// when nothing changed. The figures are wrapped into as many status lines
// as they need; at one size, the status lines only grow in number, so that
// a figure one character longer does not make the preview jump.
func (s *screen) ansi(cols, rows int, figures []string, all bool) []byte {
	buf := s.buf[:0]
	lines := wrap(figures, cols-1)
	resized := cols != s.cols || rows != s.rows
	if !resized {
		for len(lines) < len(s.lines) {
			lines = append(lines, "")
		}
	}
	tw, th := fit(s.img.Rect.Dx(), s.img.Rect.Dy(), cols, rows-len(lines)+1)
	s.next.scale(&s.img, tw, th)
	if s.cols == 0 {
		buf = append(buf, escHideCursor...)
	}
	if all || resized || len(lines) != len(s.lines) || tw != s.shown.tw || th != s.shown.th {
		buf = append(buf, escClear+escHome...)
		buf = s.next.appendANSI(buf)
		for i, l := range lines {
			if i > 0 {
				buf = append(buf, escClearLine+"\r\n"...)
			}
			buf = append(buf, l...)
		}
		buf = append(buf, escClearLine+escClearBelow...)
	} else {
		for ty := 0; ty < th; ty += 2 {
			if !s.next.sameRow(&s.shown, ty) {
				buf = appendCursor(buf, ty/2+1, 1)
				buf = s.next.appendRow(buf, ty)
				buf = append(buf, escReset+escClearLine...)
			}
		}
		for i, l := range lines {
			if l != s.lines[i] {
				buf = appendCursor(buf, statusRow(th)+i, 1)
				buf = append(buf, l...)
				buf = append(buf, escClearLine...)
			}
		}
	}
	s.cols, s.rows, s.lines = cols, rows, lines
	s.shown, s.next = s.next, s.shown
	s.buf = buf
	return buf
}

// end returns the text that leaves the terminal as a shell expects it once
// the preview is over: colours reset, the cursor shown again, on the line
// under the status lines. It is empty if nothing was drawn.
func (s *screen) end() []byte {
	if s.cols == 0 {
		return nil
	}
	buf := appendCursor(s.buf[:0], statusRow(s.shown.th)+len(s.lines)-1, 1)
	return append(buf, escReset+"\r\n"+escShowCursor...)
}

// plain returns the figures on one line, and a newline, if they differ
// from the last ones returned, for a destination that is not a terminal: no
// escape code.
func (s *screen) plain(figures []string) []byte {
	line := strings.Join(figures, figureGap)
	if len(s.lines) == 1 && line == s.lines[0] {
		return nil
	}
	s.lines = []string{line}
	s.buf = append(append(s.buf[:0], line...), '\n')
	return s.buf
}

// statusRow is the terminal row (from 1) of the first status line under a
// preview th pixels high.
func statusRow(th int) int { return (th+1)/2 + 1 }

// figureGap separates figures on a line.
const figureGap = "  "

// wrap puts the figures (ASCII texts) on as few lines of at most width
// bytes as it can, in order, cutting a figure longer than a line. It
// returns one line at least.
func wrap(figures []string, width int) []string {
	width = max(width, 0)
	lines := []string{""}
	for _, f := range figures {
		f = f[:min(len(f), width)]
		last := &lines[len(lines)-1]
		switch {
		case *last == "":
			*last = f
		case len(*last)+len(figureGap)+len(f) <= width:
			*last += figureGap + f
		default:
			lines = append(lines, f)
		}
	}
	return lines
}
