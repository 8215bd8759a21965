package wire_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/runtime/internal/wire"
)

// stridedTask is a task of three 4-byte items in the strided layout.
func stridedTask() wire.TaskMsg {
	return wire.TaskMsg{ID: 5, Kernel: 0xbeef, Attempt: 1, Items: 3, Args: []byte("aaaabbbbcccc"), Stride: 4}
}

// stridedResult is a result of three Ok 2-byte values in the strided layout.
func stridedResult() wire.ResultMsg {
	return wire.ResultMsg{ID: 6, Status: wire.StatusOk, Items: 3, Values: []byte("xxyyzz"), Start: 1, End: 2, Stride: 2}
}

func TestStridedRoundTrip(t *testing.T) {
	e := wire.NewEncoder()
	var m wire.Msg
	require.NoError(t, wire.Decode(e.Task(stridedTask()), &m))
	assert.Equal(t, stridedTask(), m.Task)
	it := wire.ItemsOf(m.Task.Args, m.Task.Stride)
	for _, want := range []string{"aaaa", "bbbb", "cccc"} {
		item, err := it.Next()
		require.NoError(t, err)
		assert.Equal(t, want, string(item))
	}
	_, err := it.Next()
	assert.ErrorIs(t, err, wire.ErrMalformed, "past the last item")

	require.NoError(t, wire.Decode(e.Result(stridedResult()), &m))
	assert.Equal(t, stridedResult(), m.Result)
	vals := wire.ValuesOf(m.Result.Values, m.Result.Stride)
	for _, want := range []string{"xx", "yy", "zz"} {
		st, v, err := vals.Next()
		require.NoError(t, err)
		assert.Equal(t, wire.StatusOk, st)
		assert.Equal(t, want, string(v))
	}
	_, _, err = vals.Next()
	assert.ErrorIs(t, err, wire.ErrMalformed, "past the last value")
}

// TestStridedLengthIsChecked: a strided message must hold exactly its
// items, so that readers may index them; a strided result is all Ok.
func TestStridedLengthIsChecked(t *testing.T) {
	e := wire.NewEncoder()
	var m wire.Msg
	for _, n := range []uint32{2, 4, 1 << 31} {
		task := stridedTask()
		task.Items = n
		assert.ErrorIs(t, wire.Decode(e.Task(task), &m), wire.ErrMalformed, "%d items", n)
		res := stridedResult()
		res.Items = n
		assert.ErrorIs(t, wire.Decode(e.Result(res), &m), wire.ErrMalformed, "%d values", n)
	}
	task := stridedTask()
	task.Stride = 1 << 31 // 3 items of 2 GiB: the product must not wrap
	assert.ErrorIs(t, wire.Decode(e.Task(task), &m), wire.ErrMalformed)
	res := stridedResult()
	res.Status = wire.StatusError
	assert.ErrorIs(t, wire.Decode(e.Result(res), &m), wire.ErrMalformed, "a failed task has no strided values")
}

func TestValueWriterStaysStrided(t *testing.T) {
	var w wire.ValueWriter
	w.Reset(2)
	w.Add(wire.StatusOk, []byte("ab"))
	w.Mark()
	w.B = append(w.B, "cd"...)
	w.Wrote()
	assert.Equal(t, uint32(2), w.Stride())
	assert.Equal(t, "abcd", string(w.B))
}

// TestValueWriterFallsBack: the first outcome that is not an Ok value of
// the stride turns everything written into the general layout.
func TestValueWriterFallsBack(t *testing.T) {
	want := wire.AppendValue(wire.AppendValue(nil, wire.StatusOk, []byte("ab")), wire.StatusOk, []byte("cd"))
	for name, last := range map[string]func(w *wire.ValueWriter) []byte{
		"error": func(w *wire.ValueWriter) []byte {
			w.Add(wire.StatusError, []byte("boom"))
			return wire.AppendValue(nil, wire.StatusError, []byte("boom"))
		},
		"longer in place": func(w *wire.ValueWriter) []byte {
			w.Mark()
			w.B = append(w.B, "efg"...)
			w.Wrote()
			return wire.AppendValue(nil, wire.StatusOk, []byte("efg"))
		},
		"shorter added": func(w *wire.ValueWriter) []byte {
			w.Add(wire.StatusOk, []byte("e"))
			return wire.AppendValue(nil, wire.StatusOk, []byte("e"))
		},
		"aborted": func(w *wire.ValueWriter) []byte {
			w.Mark()
			w.B = append(w.B, "e"...)
			w.Abort()
			w.Add(wire.StatusPanic, []byte("p"))
			return wire.AppendValue(nil, wire.StatusPanic, []byte("p"))
		},
	} {
		var w wire.ValueWriter
		for range 2 { // the second round reuses the buffers
			w.Reset(2)
			w.Add(wire.StatusOk, []byte("ab"))
			w.Add(wire.StatusOk, []byte("cd"))
			tail := last(&w)
			assert.Zero(t, w.Stride(), name)
			assert.Equal(t, string(append(bytes.Clone(want), tail...)), string(w.B), name)
			w.Add(wire.StatusOk, []byte("zz")) // and it stays general
			assert.True(t, bytes.HasSuffix(w.B, wire.AppendValue(nil, wire.StatusOk, []byte("zz"))), name)
		}
	}
	var w wire.ValueWriter
	w.Reset(0)
	w.Add(wire.StatusOk, []byte("ab"))
	assert.Equal(t, wire.AppendValue(nil, wire.StatusOk, []byte("ab")), w.B, "stride 0 is the general layout")
	w.Mark()
	w.B = append(w.B, "cde"...)
	w.Wrote()
	assert.Equal(t, wire.AppendValue(wire.AppendValue(nil, wire.StatusOk, []byte("ab")), wire.StatusOk, []byte("cde")), w.B,
		"a value appended in place to the general layout gets its status and length")
}

func TestStridedReadersOfTheGeneralLayout(t *testing.T) {
	it := wire.ItemsOf(sampleTask().Args, 0)
	item, err := it.Next()
	require.NoError(t, err)
	assert.Equal(t, "first", string(item))
	vals := wire.ValuesOf(sampleResult().Values, 0)
	_, _, err = vals.Next()
	require.NoError(t, err)
	st, v, err := vals.Next()
	require.NoError(t, err)
	assert.Equal(t, wire.StatusError, st)
	assert.Equal(t, "boom", string(v))
	var zero wire.Items
	_, err = zero.Next()
	assert.ErrorIs(t, err, wire.ErrMalformed)
}
