package cluster

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestControlMessagesRoundTrip(t *testing.T) {
	j := joinMsg{Name: "box:1", PID: 1, Workers: 2, Build: strings.Repeat("a", 64), Kernels: 7,
		Nonce: strings.Repeat("b", 32), Client: "shmrun-host-x"}
	var got joinMsg
	require.NoError(t, decode(encode(j), &got))
	assert.Equal(t, j, got)
	assert.NoError(t, got.check())

	w := welcomeMsg{Session: "S", Key: "h1", Name: "box:1", Arena: 1 << 20, Ring: 1 << 16, BeatMS: 100, TimeoutMS: 500, Bucket: "shmrun-S", Proof: "00"}
	var gw welcomeMsg
	require.NoError(t, decode(encode(w), &gw))
	assert.Equal(t, w, gw)
	assert.NoError(t, gw.check())

	for _, bad := range []string{``, `{}x`, `{"name":"x","extra":1}`, `[1]`, `{"name":` + strings.Repeat(" ", maxControl) + `"x"}`} {
		assert.ErrorIs(t, decode([]byte(bad), &got), ErrMessage, "%q", bad)
	}
	assert.ErrorIs(t, (&joinMsg{Name: "a\x00b", Workers: 1}).check(), ErrMessage)
	assert.ErrorIs(t, (&welcomeMsg{Session: "a.b"}).check(), ErrMessage)
	assert.ErrorIs(t, (&ctlMsg{Op: "explode"}).check(), ErrMessage)
	assert.ErrorIs(t, (&ctlMsg{Op: opCancel, IDs: make([]uint64, maxIDs+1)}).check(), ErrMessage)
}

// FuzzControl feeds arbitrary bytes to the decoders of every control
// message a master or a host reads from the network: none may panic, and
// whatever decodes and checks must encode again.
func FuzzControl(f *testing.F) {
	f.Add([]byte(`{"name":"box:1","pid":1,"workers":2,"build":"` + strings.Repeat("a", 64) + `","kernels":7,"nonce":"` + strings.Repeat("b", 32) + `","client":"c"}`))
	f.Add([]byte(`{"session":"S","key":"h1","name":"n","arena":65536,"ring":4096,"beat_ms":1,"timeout_ms":1,"bucket":"b","proof":"00"}`))
	f.Add([]byte(`{"op":"cancel","ids":[1,2,18446744073709551615]}`))
	f.Add([]byte(`{"key":"h1","error":"no"}`))
	f.Add([]byte(`{"refused":"another build"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var j joinMsg
		if decode(b, &j) == nil && j.check() == nil {
			require.NoError(t, decode(encode(j), &j))
		}
		var w welcomeMsg
		if decode(b, &w) == nil && w.check() == nil {
			require.NoError(t, decode(encode(w), &w))
		}
		var c ctlMsg
		if decode(b, &c) == nil && c.check() == nil {
			require.NoError(t, decode(encode(c), &c))
		}
		var r readyMsg
		decode(b, &r)
	})
}
