package compare

import (
	"strings"
	"unicode/utf8"
)

// A Table is a header and rows of cells, laid out as text for a terminal or
// as Markdown. Rows shorter than the header are padded with empty cells;
// longer ones are cut to the header's width. A zero Table has no columns.
type Table struct {
	Header []string
	Rows   [][]string
}

// Append adds a row.
func (t *Table) Append(cells ...string) { t.Rows = append(t.Rows, cells) }

// cells returns row i (-1: the header) padded or cut to the header's width.
func (t *Table) cells(i int) []string {
	row := t.Header
	if i >= 0 {
		row = t.Rows[i]
	}
	out := make([]string, len(t.Header))
	copy(out, row)
	return out
}

// Text lays the table out in columns two spaces apart, a line per row,
// the header first.
func (t *Table) Text() string {
	widths := make([]int, len(t.Header))
	for i := -1; i < len(t.Rows); i++ {
		for j, c := range t.cells(i) {
			widths[j] = max(widths[j], utf8.RuneCountInString(c))
		}
	}
	var b strings.Builder
	for i := -1; i < len(t.Rows); i++ {
		line := ""
		for j, c := range t.cells(i) {
			line += c + strings.Repeat(" ", widths[j]-utf8.RuneCountInString(c)+2)
		}
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	return b.String()
}

// Markdown lays the table out as a GitHub Markdown table; a "|" in a cell
// is escaped.
func (t *Table) Markdown() string {
	var b strings.Builder
	row := func(cells []string) {
		for j, c := range cells {
			cells[j] = strings.ReplaceAll(c, "|", `\|`)
		}
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	row(t.cells(-1))
	b.WriteString(strings.Repeat("|---", len(t.Header)) + "|\n")
	for i := range t.Rows {
		row(t.cells(i))
	}
	return b.String()
}
