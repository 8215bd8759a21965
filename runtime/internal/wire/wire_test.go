package wire_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/runtime/internal/wire"
)

func sampleTask() wire.TaskMsg {
	var args []byte
	args = wire.AppendItem(args, []byte("first"))
	args = wire.AppendItem(args, nil)
	return wire.TaskMsg{ID: 1<<40 + 7, Kernel: 0xfeed, Attempt: 2, Deadline: 123456789, Items: 2, Args: args}
}

func sampleResult() wire.ResultMsg {
	var vals []byte
	vals = wire.AppendValue(vals, wire.StatusOk, []byte{1, 2, 3})
	vals = wire.AppendValue(vals, wire.StatusError, []byte("boom"))
	return wire.ResultMsg{ID: 9, Status: wire.StatusOk, Items: 2, Values: vals, Start: 10, End: 20,
		Waits: wire.AppendWait(nil, []byte("chan.in"), 12, 15)}
}

func TestRoundTrip(t *testing.T) {
	e := wire.NewEncoder()
	var m wire.Msg

	h := wire.HelloMsg{Worker: 3, PID: 4242, Protocol: wire.Protocol, Build: 1, Kernels: 2}
	require.NoError(t, wire.Decode(e.Hello(h), &m))
	assert.Equal(t, wire.MessageHello, m.Type)
	assert.Equal(t, h, m.Hello)

	task := sampleTask()
	require.NoError(t, wire.Decode(e.Task(task), &m))
	assert.Equal(t, wire.MessageTask, m.Type)
	assert.Equal(t, task, m.Task)
	item, rest, err := wire.NextItem(m.Task.Args)
	require.NoError(t, err)
	assert.Equal(t, "first", string(item))
	item, rest, err = wire.NextItem(rest)
	require.NoError(t, err)
	assert.Empty(t, item)
	assert.Empty(t, rest)

	res := sampleResult()
	res.Status, res.Error = wire.StatusPanic, []byte("kernel panicked")
	require.NoError(t, wire.Decode(e.Result(res), &m))
	assert.Equal(t, res, m.Result)
	st, v, rest, err := wire.NextValue(m.Result.Values)
	require.NoError(t, err)
	assert.Equal(t, wire.StatusOk, st)
	assert.Equal(t, []byte{1, 2, 3}, v)
	st, v, _, err = wire.NextValue(rest)
	require.NoError(t, err)
	assert.Equal(t, wire.StatusError, st)
	assert.Equal(t, "boom", string(v))
}

func TestDecodeRejectsDamage(t *testing.T) {
	e := wire.NewEncoder()
	good := append([]byte(nil), e.Task(sampleTask())...)
	var m wire.Msg
	for n := range len(good) {
		// Cutting only trailing alignment padding leaves a valid message;
		// anything else must fail.
		if err := wire.Decode(good[:n], &m); err == nil {
			assert.Equal(t, sampleTask(), m.Task, "truncated to %d of %d", n, len(good))
		}
	}
	assert.Error(t, wire.Decode(good[:len(good)-16], &m))
	for i := range good {
		bad := append([]byte(nil), good...)
		bad[i] ^= 0xff
		_ = wire.Decode(bad, &m) // must not panic; may decode to other values
	}
	bad := append([]byte(nil), good...)
	bad[0] = 0xf0 // root offset past the end
	assert.ErrorIs(t, wire.Decode(bad, &m), wire.ErrMalformed)
}

func TestItemsRejectDamage(t *testing.T) {
	_, _, err := wire.NextItem([]byte{0x05, 'a'})
	assert.ErrorIs(t, err, wire.ErrMalformed)
	_, _, err = wire.NextItem([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	assert.ErrorIs(t, err, wire.ErrMalformed)
	_, _, _, err = wire.NextValue([]byte{9, 0})
	assert.ErrorIs(t, err, wire.ErrMalformed)
	_, _, _, err = wire.NextValue(nil)
	assert.ErrorIs(t, err, wire.ErrMalformed)
}

func TestNoAllocations(t *testing.T) {
	e := wire.NewEncoder()
	task, res := sampleTask(), sampleResult()
	var m wire.Msg
	allocs := testing.AllocsPerRun(1000, func() {
		if wire.Decode(e.Task(task), &m) != nil || wire.Decode(e.Result(res), &m) != nil {
			t.Fatal("decode failed")
		}
	})
	assert.Zero(t, allocs)
}

func FuzzDecode(f *testing.F) {
	e := wire.NewEncoder()
	f.Add(append([]byte(nil), e.Task(sampleTask())...))
	f.Add(append([]byte(nil), e.Result(sampleResult())...))
	panicked := sampleResult()
	panicked.Values = wire.AppendValue(nil, wire.StatusPanic, wire.AppendPanic(nil, []byte("boom"), []byte("goroutine 1")))
	panicked.Items = 1
	f.Add(append([]byte(nil), e.Result(panicked)...))
	f.Add(append([]byte(nil), e.Hello(wire.HelloMsg{Worker: 1})...))
	f.Add(append([]byte(nil), e.Task(stridedTask())...))
	f.Add(append([]byte(nil), e.Result(stridedResult())...))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		var m wire.Msg
		if wire.Decode(b, &m) != nil {
			return
		}
		items := wire.ItemsOf(m.Task.Args, m.Task.Stride)
		for range m.Task.Items {
			if _, err := items.Next(); err != nil {
				if m.Task.Stride != 0 {
					t.Fatalf("strided args of %d bytes hold fewer than %d items of %d", len(m.Task.Args), m.Task.Items, m.Task.Stride)
				}
				break
			}
		}
		vals := wire.ValuesOf(m.Result.Values, m.Result.Stride)
		for range m.Result.Items {
			if _, _, err := vals.Next(); err != nil {
				if m.Result.Stride != 0 {
					t.Fatalf("strided values of %d bytes hold fewer than %d of %d", len(m.Result.Values), m.Result.Items, m.Result.Stride)
				}
				break
			}
		}
		for rest := m.Task.Args; len(rest) > 0; {
			var err error
			if _, rest, err = wire.NextItem(rest); err != nil {
				break
			}
		}
		for rest := m.Result.Values; len(rest) > 0; {
			st, b, next, err := wire.NextValue(rest)
			if err != nil {
				break
			}
			if st == wire.StatusPanic {
				wire.SplitPanic(b)
			}
			rest = next
		}
		for rest := m.Result.Waits; len(rest) > 0; {
			var err error
			if _, _, _, rest, err = wire.NextWait(rest); err != nil {
				break
			}
		}
	})
}

func BenchmarkEncodeDecodeTask(b *testing.B) {
	e := wire.NewEncoder()
	task := sampleTask()
	var m wire.Msg
	b.ReportAllocs()
	for range b.N {
		if err := wire.Decode(e.Task(task), &m); err != nil {
			b.Fatal(err)
		}
	}
}

func TestWaitsRoundTrip(t *testing.T) {
	var b []byte
	b = wire.AppendWait(b, []byte("chan.in"), 100, 250)
	b = wire.AppendWait(b, []byte("a name longer than forty bytes, cut to forty"), -5, -5)
	name, start, end, rest, err := wire.NextWait(b)
	require.NoError(t, err)
	assert.Equal(t, "chan.in", string(name))
	assert.Equal(t, [2]int64{100, 250}, [2]int64{start, end})
	name, start, end, rest, err = wire.NextWait(rest)
	require.NoError(t, err)
	assert.Len(t, name, wire.MaxWaitName)
	assert.Equal(t, [2]int64{-5, -5}, [2]int64{start, end})
	assert.Empty(t, rest)

	backwards := wire.AppendWait(nil, []byte("x"), 10, 9)
	_, _, _, _, err = wire.NextWait(backwards)
	assert.ErrorIs(t, err, wire.ErrMalformed, "a wait that ends before it begins")
	long := wire.AppendItem(nil, make([]byte, wire.MaxWaitName+1))
	_, _, _, _, err = wire.NextWait(append(long, 0, 0))
	assert.ErrorIs(t, err, wire.ErrMalformed, "a name no channel has")
	first := len(wire.AppendWait(nil, []byte("chan.in"), 100, 250))
	for i := range first {
		_, _, _, _, err := wire.NextWait(b[:i])
		assert.ErrorIs(t, err, wire.ErrMalformed, "cut at %d", i)
	}
}

func TestPanicSplit(t *testing.T) {
	msg := wire.AppendPanic(nil, []byte("boom\nline two"), []byte("goroutine 1 [running]:"))
	v, stack, err := wire.SplitPanic(msg)
	require.NoError(t, err)
	assert.Equal(t, "boom\nline two", string(v))
	assert.Equal(t, "goroutine 1 [running]:", string(stack))
	_, _, err = wire.SplitPanic([]byte{0x7f})
	assert.ErrorIs(t, err, wire.ErrMalformed)
}
