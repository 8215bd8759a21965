package wire_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/runtime/internal/wire"
)

// TestEveryChangedByteIsRefused changes each byte of an encoded task and
// result in turn, as a stray write would: no change may decode to other
// fields than were encoded. Most break the structure; the rest (a byte of
// an id, a deadline, an argument or a value) break the checksum.
func TestEveryChangedByteIsRefused(t *testing.T) {
	e := wire.NewEncoder()
	res := sampleResult()
	res.Error = []byte("half done")
	for name, enc := range map[string][]byte{
		"task":   bytes.Clone(e.Task(sampleTask())),
		"result": bytes.Clone(e.Result(res)),
	} {
		var want wire.Msg
		require.NoError(t, wire.Decode(enc, &want))
		for i := range enc {
			for _, flip := range []byte{0x01, 0x80, 0xff} {
				b := bytes.Clone(enc)
				b[i] ^= flip
				var m wire.Msg
				err := wire.Decode(b, &m)
				if err == nil {
					// A byte no accessor reads (vtable padding, say) may
					// change: what decodes must be what was encoded.
					assert.Equal(t, want.Task, m.Task, "%s byte %d ^ %#x", name, i, flip)
					assert.Equal(t, want.Result, m.Result, "%s byte %d ^ %#x", name, i, flip)
					continue
				}
				assert.ErrorIs(t, err, wire.ErrMalformed)
			}
		}
	}
}

func TestChecksumNamesTheMessage(t *testing.T) {
	task := sampleTask()
	b := bytes.Clone(wire.NewEncoder().Task(task))
	i := bytes.Index(b, []byte("first"))
	require.Positive(t, i)
	b[i] = 'F' // still a well-formed item: only the checksum can tell
	var m wire.Msg
	err := wire.Decode(b, &m)
	require.ErrorIs(t, err, wire.ErrMalformed)
	assert.Contains(t, err.Error(), "task 0x10000000007: checksum")
}
