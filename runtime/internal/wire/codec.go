package wire

import (
	"encoding/binary"

	flatbuffers "github.com/google/flatbuffers/go"
)

// HelloMsg is a decoded or to-be-encoded Hello.
type HelloMsg struct {
	Worker   uint32
	PID      int32
	Protocol uint32
	Build    uint64
	Kernels  uint64
}

// TaskMsg is a decoded or to-be-encoded Task. Decoded, Args aliases the
// input bytes.
type TaskMsg struct {
	ID       uint64
	Kernel   uint64
	Attempt  uint32
	Deadline int64
	Items    uint32
	Args     []byte
	// Stride, if not 0, is the size of every item: Args holds them back
	// to back, without lengths (see Items). Decode checks that Args holds
	// Items of them exactly.
	Stride uint32
}

// ResultMsg is a decoded or to-be-encoded Result. Decoded, Error and
// Values alias the input bytes.
type ResultMsg struct {
	ID     uint64
	Status Status
	Error  []byte
	Items  uint32
	Values []byte
	Start  int64
	End    int64
	Waits  []byte // AppendWait records
	// Stride, if not 0, says that every item is Ok and its value Stride
	// bytes: Values holds them back to back, without statuses or lengths
	// (see Values). Decode checks that Values holds Items of them exactly.
	Stride uint32
}

// Msg is one decoded message: Type says which of the fields is set.
type Msg struct {
	Type   Message
	Hello  HelloMsg
	Task   TaskMsg
	Result ResultMsg
	Job    JobMsg
	Done   DoneMsg
}

// Encoder builds messages with one reused flatbuffers.Builder. It is not
// safe for concurrent use. The bytes it returns stay valid until its next
// call.
type Encoder struct {
	b *flatbuffers.Builder
}

// NewEncoder returns an Encoder whose buffer starts at 256 bytes and grows
// to fit the largest message it has built.
func NewEncoder() *Encoder { return &Encoder{b: flatbuffers.NewBuilder(256)} }

// Hello encodes h.
func (e *Encoder) Hello(h HelloMsg) []byte {
	b := e.b
	b.Reset()
	HelloStart(b)
	HelloAddWorker(b, h.Worker)
	HelloAddPid(b, h.PID)
	HelloAddProtocol(b, h.Protocol)
	HelloAddBuild(b, h.Build)
	HelloAddKernels(b, h.Kernels)
	return e.finish(MessageHello, HelloEnd(b))
}

// Task encodes t.
func (e *Encoder) Task(t TaskMsg) []byte {
	b := e.b
	b.Reset()
	args := b.CreateByteVector(t.Args)
	TaskStart(b)
	TaskAddId(b, t.ID)
	TaskAddKernel(b, t.Kernel)
	TaskAddAttempt(b, t.Attempt)
	TaskAddDeadline(b, t.Deadline)
	TaskAddItems(b, t.Items)
	TaskAddArgs(b, args)
	if t.Stride != 0 {
		TaskAddStride(b, t.Stride)
	}
	TaskAddSum(b, taskSum(&t))
	return e.finish(MessageTask, TaskEnd(b))
}

// Result encodes r.
func (e *Encoder) Result(r ResultMsg) []byte {
	b := e.b
	b.Reset()
	values := b.CreateByteVector(r.Values)
	var msg, waits flatbuffers.UOffsetT
	if len(r.Waits) > 0 {
		waits = b.CreateByteVector(r.Waits)
	}
	if len(r.Error) > 0 {
		msg = b.CreateByteString(r.Error)
	}
	ResultStart(b)
	ResultAddId(b, r.ID)
	ResultAddStatus(b, r.Status)
	if msg != 0 {
		ResultAddError(b, msg)
	}
	ResultAddItems(b, r.Items)
	ResultAddValues(b, values)
	ResultAddStart(b, r.Start)
	ResultAddEnd(b, r.End)
	if waits != 0 {
		ResultAddWaits(b, waits)
	}
	if r.Stride != 0 {
		ResultAddStride(b, r.Stride)
	}
	ResultAddSum(b, resultSum(&r))
	return e.finish(MessageResult, ResultEnd(b))
}

func (e *Encoder) finish(t Message, msg flatbuffers.UOffsetT) []byte {
	b := e.b
	EnvelopeStart(b)
	EnvelopeAddMessageType(b, t)
	EnvelopeAddMessage(b, msg)
	b.Finish(EnvelopeEnd(b))
	return b.FinishedBytes()
}

// Decode verifies buf and decodes the message in it into m, whose byte
// fields then alias buf. It returns ErrMalformed for anything a correct
// encoder would not produce, a task or result whose checksum does not
// match its fields included, and never panics.
func Decode(buf []byte, m *Msg) error {
	mt, err := verifyEnvelope(buf)
	if err != nil {
		return err
	}
	var env Envelope
	env.Init(buf, flatbuffers.UOffsetT(binary.LittleEndian.Uint32(buf)))
	var tab flatbuffers.Table
	env.Message(&tab)
	m.Type = mt
	switch mt {
	case MessageHello:
		var h Hello
		h.Init(tab.Bytes, tab.Pos)
		m.Hello = HelloMsg{Worker: h.Worker(), PID: h.Pid(), Protocol: h.Protocol(), Build: h.Build(), Kernels: h.Kernels()}
	case MessageTask:
		var t Task
		t.Init(tab.Bytes, tab.Pos)
		m.Task = TaskMsg{ID: t.Id(), Kernel: t.Kernel(), Attempt: t.Attempt(), Deadline: t.Deadline(), Items: t.Items(), Args: t.ArgsBytes(), Stride: t.Stride()}
		if sum := taskSum(&m.Task); sum != t.Sum() {
			return malformed("task %#x: checksum %#x, its fields sum to %#x", m.Task.ID, t.Sum(), sum)
		}
		if !strided(m.Task.Args, m.Task.Items, m.Task.Stride) {
			return malformed("task %#x: %d bytes of args for %d items of %d", m.Task.ID, len(m.Task.Args), m.Task.Items, m.Task.Stride)
		}
	case MessageResult:
		var r Result
		r.Init(tab.Bytes, tab.Pos)
		m.Result = ResultMsg{ID: r.Id(), Status: r.Status(), Error: r.Error(), Items: r.Items(), Values: r.ValuesBytes(), Start: r.Start(), End: r.End(), Waits: r.WaitsBytes(), Stride: r.Stride()}
		if sum := resultSum(&m.Result); sum != r.Sum() {
			return malformed("result %#x: checksum %#x, its fields sum to %#x", m.Result.ID, r.Sum(), sum)
		}
		if m.Result.Stride != 0 && m.Result.Status != StatusOk || !strided(m.Result.Values, m.Result.Items, m.Result.Stride) {
			return malformed("result %#x, status %v: %d bytes of values for %d items of %d", m.Result.ID, m.Result.Status, len(m.Result.Values), m.Result.Items, m.Result.Stride)
		}
	case MessageJob, MessageDone:
		return decodeRemote(tab, mt, m)
	}
	return nil
}
