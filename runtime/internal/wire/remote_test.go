package wire_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/runtime/internal/wire"
)

func sampleJob(e *wire.Encoder) wire.JobMsg {
	var regions, reads, writes []byte
	hash := make([]byte, wire.HashSize)
	hash[0] = 7
	regions = wire.AppendRegion(regions, wire.Region{Name: []byte("scene"), Size: 1 << 20, Kind: 3, Hash: hash})
	regions = wire.AppendRegion(regions, wire.Region{Name: []byte("fb.0"), Size: 4096})
	reads = wire.AppendBlock(reads, wire.Block{Region: 1, Offset: 64, Len: 16, Stride: 64, Count: 2})
	writes = wire.AppendBlock(writes, wire.Block{Region: 1, Offset: 0, Len: 8, Stride: 8, Count: 1})
	task := append([]byte(nil), e.Task(sampleTask())...)
	return wire.JobMsg{Task: task, Timeout: 5e6, Regions: regions, Reads: reads, Input: make([]byte, 32), Writes: writes}
}

func sampleDone(e *wire.Encoder) wire.DoneMsg {
	res := append([]byte(nil), e.Result(sampleResult())...)
	return wire.DoneMsg{Result: res, Held: 1234, Output: []byte("8 bytes!")}
}

func TestJobDoneRoundTrip(t *testing.T) {
	e := wire.NewEncoder()
	var m wire.Msg
	job := sampleJob(wire.NewEncoder())
	require.NoError(t, wire.Decode(e.Job(job), &m))
	assert.Equal(t, wire.MessageJob, m.Type)
	assert.Equal(t, job, m.Job)

	var task wire.Msg
	require.NoError(t, wire.Decode(m.Job.Task, &task))
	assert.Equal(t, sampleTask(), task.Task)

	r, rest, err := wire.NextRegion(m.Job.Regions)
	require.NoError(t, err)
	assert.Equal(t, "scene", string(r.Name))
	assert.Equal(t, uint64(1<<20), r.Size)
	assert.Equal(t, uint32(3), r.Kind)
	assert.Len(t, r.Hash, wire.HashSize)
	r, rest, err = wire.NextRegion(rest)
	require.NoError(t, err)
	assert.Equal(t, "fb.0", string(r.Name))
	assert.Empty(t, r.Hash)
	assert.Empty(t, rest)

	b, rest, err := wire.NextBlock(m.Job.Reads)
	require.NoError(t, err)
	assert.Equal(t, wire.Block{Region: 1, Offset: 64, Len: 16, Stride: 64, Count: 2}, b)
	assert.Equal(t, uint64(32), b.Bytes())
	assert.Equal(t, uint64(64+64+16), b.End())
	assert.Empty(t, rest)

	done := sampleDone(wire.NewEncoder())
	require.NoError(t, wire.Decode(e.Done(done), &m))
	assert.Equal(t, wire.MessageDone, m.Type)
	assert.Equal(t, done, m.Done)
}

func TestJobDamageIsRefused(t *testing.T) {
	e := wire.NewEncoder()
	good := append([]byte(nil), e.Job(sampleJob(wire.NewEncoder()))...)
	var m wire.Msg
	refused := 0
	for i := range good {
		bad := append([]byte(nil), good...)
		bad[i] ^= 0x10
		if wire.Decode(bad, &m) != nil {
			refused++
		}
	}
	// The sum covers every byte of the records and the input; what it does
	// not cover (padding, the nested task, which has its own) may decode.
	assert.Greater(t, refused, len(good)/2)
	done := append([]byte(nil), e.Done(sampleDone(wire.NewEncoder()))...)
	done[bytes.Index(done, []byte("8 bytes!"))] ^= 1 // in the output
	assert.ErrorIs(t, wire.Decode(done, &m), wire.ErrMalformed)
}

func TestRecordsRejectNonsense(t *testing.T) {
	for _, b := range []wire.Block{
		{Count: 0, Len: 1},
		{Count: 2, Len: 8, Stride: 4},
		{Count: 1, Len: 1 << 41},
	} {
		_, _, err := wire.NextBlock(wire.AppendBlock(nil, b))
		assert.ErrorIs(t, err, wire.ErrMalformed, "%+v", b)
	}
	for _, r := range []wire.Region{
		{Name: nil, Size: 1},
		{Name: make([]byte, wire.MaxRegionName+1)},
		{Name: []byte("x"), Hash: []byte{1, 2}},
	} {
		_, _, err := wire.NextRegion(wire.AppendRegion(nil, r))
		assert.ErrorIs(t, err, wire.ErrMalformed, "%+v", r)
	}
}

func TestCrashRoundTrip(t *testing.T) {
	c := wire.Crash{Attempts: 3, Worker: 1, PID: 4242, Cause: 2, KillReason: 0, KillDetail: []byte{},
		Signal: 9, Status: -1, Stderr: [][]byte{[]byte("dying"), []byte("now")}}
	got, err := wire.ParseCrash(wire.AppendCrash(nil, c))
	require.NoError(t, err)
	assert.Equal(t, c, got)
	long := wire.AppendCrash(nil, c)
	_, err = wire.ParseCrash(append(long, 0))
	assert.ErrorIs(t, err, wire.ErrMalformed)
	for n := range len(long) {
		_, err := wire.ParseCrash(long[:n])
		assert.Error(t, err, "cut to %d", n)
	}
}

// FuzzRemote feeds arbitrary bytes to everything a master reads from a
// host (and a host from a master): Decode, then the nested envelopes, the
// region and block records and a crash record. None may panic.
func FuzzRemote(f *testing.F) {
	e := wire.NewEncoder()
	f.Add(append([]byte(nil), e.Job(sampleJob(wire.NewEncoder()))...))
	f.Add(append([]byte(nil), e.Done(sampleDone(wire.NewEncoder()))...))
	f.Add(wire.AppendCrash(nil, wire.Crash{Attempts: 3, Stderr: [][]byte{[]byte("x")}}))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		wire.ParseCrash(b)
		walkRecords(b, b)
		var m wire.Msg
		if wire.Decode(b, &m) != nil {
			return
		}
		var inner wire.Msg
		wire.Decode(m.Job.Task, &inner)
		wire.Decode(m.Done.Result, &inner)
		walkRecords(m.Job.Regions, m.Job.Reads)
		walkRecords(nil, m.Job.Writes)
	})
}

func walkRecords(regions, blocks []byte) {
	for rest := regions; len(rest) > 0; {
		var err error
		if _, rest, err = wire.NextRegion(rest); err != nil {
			break
		}
	}
	for rest := blocks; len(rest) > 0; {
		var err error
		if _, rest, err = wire.NextBlock(rest); err != nil {
			break
		}
	}
}
