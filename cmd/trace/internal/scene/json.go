package scene

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// This file is a small JSON parser that remembers where every value and key
// starts. encoding/json reports no position for unknown fields or for values
// that fail later validation, and a scene author needs "file:line:col" for
// both, so the scene is first parsed into a tree of nodes with byte offsets
// and then decoded field by field (decode.go).

// maxNesting bounds the depth of nested arrays and objects, so hostile input
// cannot exhaust the stack.
const maxNesting = 64

type nodeKind uint8

const (
	nullNode nodeKind = iota
	boolNode
	numberNode
	stringNode
	arrayNode
	objectNode
)

// String names k as a scene author knows it, for "expected X, got Y".
func (k nodeKind) String() string {
	return [...]string{"null", "boolean", "number", "string", "array", "object"}[k]
}

// node is one JSON value and the byte offset where it starts.
type node struct {
	kind   nodeKind
	off    int
	num    float64
	str    string
	b      bool
	elems  []*node
	fields []field
}

// field is one key of an object, in file order.
type field struct {
	key string
	off int
	val *node
}

// syntaxError is a JSON error at a byte offset; the decoder turns it into an
// *Error with a line and column.
type syntaxError struct {
	off   int
	msg   string
	limit bool // a size limit, not malformed JSON
}

type jsonParser struct {
	src    []byte
	pos    int
	depth  int
	values int // nodes made so far, at most MaxValues
	err    *syntaxError
}

// parseJSON parses src as exactly one JSON value.
func parseJSON(src []byte) (*node, *syntaxError) {
	p := &jsonParser{src: src}
	n := p.value()
	if p.err == nil {
		p.space()
		if p.pos < len(src) {
			p.fail("unexpected %s after the top-level value", p.what())
		}
	}
	if p.err != nil {
		return nil, p.err
	}
	return n, nil
}

func (p *jsonParser) fail(format string, args ...any) {
	if p.err == nil {
		p.err = &syntaxError{off: p.pos, msg: fmt.Sprintf(format, args...)}
	}
}

// what describes the byte at the cursor for an error message.
func (p *jsonParser) what() string {
	if p.pos >= len(p.src) {
		return "end of file"
	}
	return strconv.QuoteRune(rune(p.src[p.pos]))
}

func (p *jsonParser) space() {
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *jsonParser) value() *node {
	p.space()
	if p.pos >= len(p.src) {
		p.fail("unexpected end of file, expected a value")
		return nil
	}
	if p.values++; p.values > MaxValues {
		// A node costs ~100 bytes: a file of "0,0,0,..." must not turn
		// 16 MiB into gigabytes.
		p.fail("more than %d values", MaxValues)
		p.err.limit = true
		return nil
	}
	switch c := p.src[p.pos]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		off := p.pos
		return &node{kind: stringNode, off: off, str: p.string()}
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	default:
		return p.literal()
	}
}

func (p *jsonParser) enter() bool {
	p.depth++
	if p.depth > maxNesting {
		p.fail("nesting deeper than %d levels", maxNesting)
		p.err.limit = true
		return false
	}
	return true
}

func (p *jsonParser) object() *node {
	n := &node{kind: objectNode, off: p.pos}
	if !p.enter() {
		return nil
	}
	p.pos++ // '{'
	defer func() { p.depth-- }()
	seen := map[string]bool{}
	p.space()
	if p.peek('}') {
		return n
	}
	for p.err == nil {
		p.space()
		if !p.at('"') {
			p.fail("expected a quoted field name, found %s", p.what())
			return nil
		}
		off := p.pos
		key := p.string()
		if p.err == nil && seen[key] {
			p.err = &syntaxError{off: off, msg: fmt.Sprintf("duplicate field %q", key)}
		}
		seen[key] = true
		p.space()
		if !p.peek(':') {
			p.fail("expected ':' after field name, found %s", p.what())
			return nil
		}
		n.fields = append(n.fields, field{key, off, p.value()})
		if p.endOf('}') {
			return n
		}
	}
	return nil
}

func (p *jsonParser) array() *node {
	n := &node{kind: arrayNode, off: p.pos}
	if !p.enter() {
		return nil
	}
	p.pos++ // '['
	defer func() { p.depth-- }()
	p.space()
	if p.peek(']') {
		return n
	}
	for p.err == nil {
		n.elems = append(n.elems, p.value())
		if p.endOf(']') {
			return n
		}
	}
	return nil
}

// endOf consumes ',' (returning false) or the closing byte (returning true).
func (p *jsonParser) endOf(closing byte) bool {
	if p.err != nil {
		return true
	}
	p.space()
	if p.peek(',') {
		return false
	}
	if p.peek(closing) {
		return true
	}
	p.fail("expected ',' or '%c', found %s", closing, p.what())
	return true
}

func (p *jsonParser) at(c byte) bool { return p.pos < len(p.src) && p.src[p.pos] == c }

// peek consumes c if it is at the cursor.
func (p *jsonParser) peek(c byte) bool {
	if p.at(c) {
		p.pos++
		return true
	}
	return false
}

// string parses a quoted string at the cursor. Strings without escapes are
// taken verbatim; others are handed to encoding/json, which knows every
// escape and surrogate rule.
func (p *jsonParser) string() string {
	start := p.pos
	p.pos++
	escaped := false
	for p.pos < len(p.src) {
		switch c := p.src[p.pos]; {
		case c == '"':
			p.pos++
			raw := p.src[start:p.pos]
			if !escaped {
				return string(raw[1 : len(raw)-1])
			}
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				p.err = &syntaxError{off: start, msg: "invalid escape in string"}
			}
			return s
		case c == '\\':
			escaped = true
			p.pos += 2
		case c < 0x20:
			p.fail("control character in string")
			return ""
		default:
			p.pos++
		}
	}
	p.err = &syntaxError{off: start, msg: "unterminated string"}
	return ""
}

func (p *jsonParser) number() *node {
	start := p.pos
	p.peek('-')
	if !p.digits() {
		p.fail("invalid number")
		return nil
	}
	if p.src[start] == '0' || (p.src[start] == '-' && p.src[start+1] == '0') {
		if p.pos-start > 1+btoi(p.src[start] == '-') {
			p.err = &syntaxError{off: start, msg: "invalid number: leading zero"}
			return nil
		}
	}
	if p.peek('.') && !p.digits() {
		p.fail("invalid number: digits expected after '.'")
		return nil
	}
	if p.peek('e') || p.peek('E') {
		_ = p.peek('+') || p.peek('-')
		if !p.digits() {
			p.fail("invalid number: digits expected in exponent")
			return nil
		}
	}
	text := string(p.src[start:p.pos])
	v, err := strconv.ParseFloat(text, 64)
	if err != nil {
		p.err = &syntaxError{off: start, msg: fmt.Sprintf("number %s out of range", text)}
		return nil
	}
	return &node{kind: numberNode, off: start, num: v}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// digits consumes one or more decimal digits.
func (p *jsonParser) digits() bool {
	start := p.pos
	for p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
		p.pos++
	}
	return p.pos > start
}

func (p *jsonParser) literal() *node {
	for _, l := range [...]struct {
		text string
		n    node
	}{
		{"true", node{kind: boolNode, b: true}},
		{"false", node{kind: boolNode}},
		{"null", node{kind: nullNode}},
	} {
		if len(p.src)-p.pos >= len(l.text) && string(p.src[p.pos:p.pos+len(l.text)]) == l.text {
			n := l.n
			n.off = p.pos
			p.pos += len(l.text)
			return &n
		}
	}
	p.fail("unexpected %s, expected a value", p.what())
	return nil
}
