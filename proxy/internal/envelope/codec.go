// Package envelope encodes and decodes the flatbuffer messages of package
// proxy: a Call (call id, object, method, deadline, argument bytes, and
// whether it is one-way) and its Reply (call id, status, error text, result
// bytes), each in an Envelope.
// Decode verifies every offset before reading: the bytes come from another
// process and may be garbage.
package envelope

import (
	"errors"
	"fmt"

	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/shmrun/shmrun/internal/fbcheck"
)

// ErrMalformed is returned by Decode for bytes that are not a well-formed
// envelope.
var ErrMalformed = errors.New("envelope: malformed message")

var check = fbcheck.Checker{Err: ErrMalformed}

// The fields of each table, in schema order; keep in step with
// envelope.fbs.
var (
	envelopeFields = []fbcheck.Kind{fbcheck.U8, fbcheck.Table}
	callFields     = []fbcheck.Kind{fbcheck.U64, fbcheck.U32, fbcheck.U64, fbcheck.Bytes, fbcheck.U64, fbcheck.U64, fbcheck.Bytes, fbcheck.U8}
	replyFields    = []fbcheck.Kind{fbcheck.U64, fbcheck.U8, fbcheck.Bytes, fbcheck.Bytes}
)

// CallMsg is a decoded or to-be-encoded Call. Decoded, Method and Args
// alias the input bytes. OneWay marks a post: its home runs it, hands the
// slot back once it has read it, and writes no reply.
type CallMsg struct {
	ID         uint64
	Object     uint32
	Generation uint64
	Method     []byte
	Signature  uint64
	Deadline   int64
	Args       []byte
	OneWay     bool
}

// ReplyMsg is a decoded or to-be-encoded Reply. Decoded, Error and Result
// alias the input bytes.
type ReplyMsg struct {
	ID     uint64
	Status Status
	Error  []byte
	Result []byte
}

// Msg is one decoded envelope: Type says which of the fields is set.
type Msg struct {
	Type  Body
	Call  CallMsg
	Reply ReplyMsg
}

// Encoder builds envelopes with one reused flatbuffers.Builder. It is not
// safe for concurrent use. The bytes it returns stay valid until its next
// call; after the first few messages it allocates nothing.
type Encoder struct {
	b *flatbuffers.Builder
}

// NewEncoder returns an Encoder whose buffer starts at size bytes and
// grows to fit the largest message it has built.
func NewEncoder(size int) *Encoder { return &Encoder{b: flatbuffers.NewBuilder(size)} }

// Call encodes c.
func (e *Encoder) Call(c CallMsg) []byte {
	b := e.b
	b.Reset()
	args := b.CreateByteVector(c.Args)
	method := b.CreateByteString(c.Method)
	CallStart(b)
	CallAddId(b, c.ID)
	CallAddObject(b, c.Object)
	CallAddGeneration(b, c.Generation)
	CallAddMethod(b, method)
	CallAddSignature(b, c.Signature)
	CallAddDeadline(b, c.Deadline)
	CallAddArgs(b, args)
	CallAddOneWay(b, c.OneWay)
	return e.finish(BodyCall, CallEnd(b))
}

// Reply encodes r.
func (e *Encoder) Reply(r ReplyMsg) []byte {
	b := e.b
	b.Reset()
	result := b.CreateByteVector(r.Result)
	var msg flatbuffers.UOffsetT
	if len(r.Error) > 0 {
		msg = b.CreateByteString(r.Error)
	}
	ReplyStart(b)
	ReplyAddId(b, r.ID)
	ReplyAddStatus(b, r.Status)
	if msg != 0 {
		ReplyAddError(b, msg)
	}
	ReplyAddResult(b, result)
	return e.finish(BodyReply, ReplyEnd(b))
}

func (e *Encoder) finish(t Body, body flatbuffers.UOffsetT) []byte {
	b := e.b
	EnvelopeStart(b)
	EnvelopeAddBodyType(b, t)
	EnvelopeAddBody(b, body)
	b.Finish(EnvelopeEnd(b))
	return b.FinishedBytes()
}

// Decode verifies buf and decodes the envelope in it into m, whose byte
// fields then alias buf. It returns ErrMalformed for anything a correct
// encoder would not produce, and never panics. buf must not change while
// Decode runs or while m is used: copy bytes out of shared memory first.
func Decode(buf []byte, m *Msg) error {
	root, err := check.Root(buf)
	if err != nil {
		return err
	}
	fields, err := check.Table(buf, root, envelopeFields)
	if err != nil {
		return err
	}
	if fields[0] < 0 || fields[1] < 0 {
		return fmt.Errorf("%w: envelope without a body", ErrMalformed)
	}
	pos := fbcheck.Indirect(buf, fields[1])
	switch m.Type = Body(buf[fields[0]]); m.Type {
	case BodyCall:
		if _, err := check.Table(buf, pos, callFields); err != nil {
			return err
		}
		var c Call
		c.Init(buf, flatbuffers.UOffsetT(pos))
		m.Call = CallMsg{ID: c.Id(), Object: c.Object(), Generation: c.Generation(), Method: c.Method(),
			Signature: c.Signature(), Deadline: c.Deadline(), Args: c.ArgsBytes(), OneWay: c.OneWay()}
	case BodyReply:
		if _, err := check.Table(buf, pos, replyFields); err != nil {
			return err
		}
		var r Reply
		r.Init(buf, flatbuffers.UOffsetT(pos))
		m.Reply = ReplyMsg{ID: r.Id(), Status: r.Status(), Error: r.Error(), Result: r.ResultBytes()}
	default:
		return fmt.Errorf("%w: body type %d", ErrMalformed, m.Type)
	}
	return nil
}
