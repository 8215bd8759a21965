package scene

import (
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrSyntax is returned when a scene file is not well-formed JSON or an
	// OBJ file has a malformed statement.
	ErrSyntax = errors.New("syntax error")

	// ErrUnknownField is returned when a JSON object has a key that the
	// format does not define at that place (usually a typo).
	ErrUnknownField = errors.New("unknown field")

	// ErrType is returned when a value has the wrong JSON type, for instance
	// a string where a number is expected.
	ErrType = errors.New("wrong type")

	// ErrMissing is returned when a required field is absent.
	ErrMissing = errors.New("missing field")

	// ErrValue is returned when a value is well-typed but impossible: a
	// negative radius, a field of view outside (0, 180), a degenerate mesh.
	ErrValue = errors.New("invalid value")

	// ErrReference is returned when a name refers to nothing, such as an
	// object naming a material that the scene does not define.
	ErrReference = errors.New("unknown reference")

	// ErrNotFound is returned when a scene or a mesh file does not exist.
	ErrNotFound = errors.New("not found")

	// ErrLimit is returned when input exceeds a size limit of this package
	// (file size, nesting depth, triangle or object count, mesh resolution).
	// The limits keep hostile input from exhausting memory.
	ErrLimit = errors.New("limit exceeded")
)

// Error is a parse error located in a file. Its message is always one line:
// "file:line:col: message", or "file:line: message" when Col is 0 (OBJ
// files). Err is one of the sentinel errors of this package, so callers can
// test the class of a failure with errors.Is.
type Error struct {
	File string // file name as given to the parser
	Line int    // 1-based line
	Col  int    // 1-based byte column; 0 when unknown
	Msg  string // one line, without the location
	Err  error  // sentinel, such as ErrUnknownField
}

// Error formats e as "file:line:col: message".
func (e *Error) Error() string {
	if e.Col == 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// Unwrap returns the sentinel error that classifies e.
func (e *Error) Unwrap() error { return e.Err }

// position converts a byte offset in src to a 1-based line and column.
func position(src []byte, off int) (line, col int) {
	if off > len(src) {
		off = len(src)
	}
	line, start := 1, 0
	for i := 0; i < off; i++ {
		if src[i] == '\n' {
			line, start = line+1, i+1
		}
	}
	return line, off - start + 1
}

// oneLine returns err's message with line breaks replaced, so that it can be
// embedded in a one-line error.
func oneLine(err error) string {
	return strings.NewReplacer("\n", " ", "\r", " ").Replace(err.Error())
}
