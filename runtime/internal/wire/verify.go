package wire

import (
	"errors"
	"fmt"

	"github.com/shmrun/shmrun/internal/fbcheck"
)

// ErrMalformed is returned by Decode for bytes that are not a well-formed
// message.
var ErrMalformed = errors.New("wire: malformed message")

// check verifies buffers, reporting ErrMalformed.
var check = fbcheck.Checker{Err: ErrMalformed}

// The fields of each table, in schema order; keep in step with wire.fbs.
var (
	envelopeFields = []fbcheck.Kind{fbcheck.U8, fbcheck.Table}
	helloFields    = []fbcheck.Kind{fbcheck.U32, fbcheck.U32, fbcheck.U32, fbcheck.U64, fbcheck.U64}
	taskFields     = []fbcheck.Kind{fbcheck.U64, fbcheck.U64, fbcheck.U32, fbcheck.U64, fbcheck.U32, fbcheck.Bytes, fbcheck.U32, fbcheck.U32}
	resultFields   = []fbcheck.Kind{fbcheck.U64, fbcheck.U8, fbcheck.Bytes, fbcheck.U32, fbcheck.Bytes, fbcheck.U64, fbcheck.U64, fbcheck.Bytes, fbcheck.U32, fbcheck.U32}
	jobFields      = []fbcheck.Kind{fbcheck.Bytes, fbcheck.U64, fbcheck.Bytes, fbcheck.Bytes, fbcheck.Bytes, fbcheck.Bytes, fbcheck.U32}
	doneFields     = []fbcheck.Kind{fbcheck.Bytes, fbcheck.U64, fbcheck.Bytes, fbcheck.U32}
)

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}

// verifyEnvelope checks buf as an Envelope and the table its union holds.
func verifyEnvelope(buf []byte) (Message, error) {
	root, err := check.Root(buf)
	if err != nil {
		return 0, err
	}
	fields, err := check.Table(buf, root, envelopeFields)
	if err != nil {
		return 0, err
	}
	if fields[0] < 0 || fields[1] < 0 {
		return 0, malformed("envelope without a message")
	}
	mt := Message(buf[fields[0]])
	var spec []fbcheck.Kind
	switch mt {
	case MessageHello:
		spec = helloFields
	case MessageTask:
		spec = taskFields
	case MessageResult:
		spec = resultFields
	case MessageJob:
		spec = jobFields
	case MessageDone:
		spec = doneFields
	default:
		return 0, malformed("message type %d", mt)
	}
	_, err = check.Table(buf, fbcheck.Indirect(buf, fields[1]), spec)
	return mt, err
}
