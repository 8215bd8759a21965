package wire

import (
	flatbuffers "github.com/google/flatbuffers/go"
)

// JobMsg is a decoded or to-be-encoded Job. Decoded, its byte fields alias
// the input bytes; Task is a whole Task envelope, decoded on its own.
type JobMsg struct {
	Task    []byte
	Timeout int64
	Regions []byte // AppendRegion records
	Reads   []byte // AppendBlock records
	Input   []byte
	Writes  []byte // AppendBlock records
}

// DoneMsg is a decoded or to-be-encoded Done. Decoded, its byte fields
// alias the input bytes; Result is a whole Result envelope.
type DoneMsg struct {
	Result []byte
	Held   int64
	Output []byte
}

// Job encodes j.
func (e *Encoder) Job(j JobMsg) []byte {
	b := e.b
	b.Reset()
	task := b.CreateByteVector(j.Task)
	regions := b.CreateByteVector(j.Regions)
	reads := b.CreateByteVector(j.Reads)
	input := b.CreateByteVector(j.Input)
	writes := b.CreateByteVector(j.Writes)
	JobStart(b)
	JobAddTask(b, task)
	JobAddTimeout(b, j.Timeout)
	JobAddRegions(b, regions)
	JobAddReads(b, reads)
	JobAddInput(b, input)
	JobAddWrites(b, writes)
	JobAddSum(b, jobSum(&j))
	return e.finish(MessageJob, JobEnd(b))
}

// Done encodes d.
func (e *Encoder) Done(d DoneMsg) []byte {
	b := e.b
	b.Reset()
	result := b.CreateByteVector(d.Result)
	output := b.CreateByteVector(d.Output)
	DoneStart(b)
	DoneAddResult(b, result)
	DoneAddHeld(b, d.Held)
	DoneAddOutput(b, output)
	DoneAddSum(b, doneSum(&d))
	return e.finish(MessageDone, DoneEnd(b))
}

// decodeRemote decodes the Job or Done in tab into m and checks its sum.
func decodeRemote(tab flatbuffers.Table, mt Message, m *Msg) error {
	switch mt {
	case MessageJob:
		var j Job
		j.Init(tab.Bytes, tab.Pos)
		m.Job = JobMsg{Task: j.TaskBytes(), Timeout: j.Timeout(), Regions: j.RegionsBytes(), Reads: j.ReadsBytes(),
			Input: j.InputBytes(), Writes: j.WritesBytes()}
		if sum := jobSum(&m.Job); sum != j.Sum() {
			return malformed("job: checksum %#x, its fields sum to %#x", j.Sum(), sum)
		}
	case MessageDone:
		var d Done
		d.Init(tab.Bytes, tab.Pos)
		m.Done = DoneMsg{Result: d.ResultBytes(), Held: d.Held(), Output: d.OutputBytes()}
		if sum := doneSum(&m.Done); sum != d.Sum() {
			return malformed("done: checksum %#x, its fields sum to %#x", d.Sum(), sum)
		}
	}
	return nil
}
