package envelope_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/proxy/internal/envelope"
)

func sampleCall() envelope.CallMsg {
	return envelope.CallMsg{ID: 1<<40 | 5, Object: 3, Generation: 9, Method: []byte("add"),
		Signature: 0xabcdef, Deadline: 123456789, Args: []byte{1, 2, 3, 4}}
}

func sampleReply() envelope.ReplyMsg {
	return envelope.ReplyMsg{ID: 1<<40 | 5, Status: envelope.StatusError, Error: []byte("no"), Result: []byte{}}
}

func TestRoundTrip(t *testing.T) {
	e := envelope.NewEncoder(64)
	var m envelope.Msg
	call := sampleCall()
	require.NoError(t, envelope.Decode(e.Call(call), &m))
	assert.Equal(t, envelope.BodyCall, m.Type)
	assert.Equal(t, call, m.Call)

	post := sampleCall()
	post.OneWay = true
	require.NoError(t, envelope.Decode(e.Call(post), &m))
	assert.Equal(t, post, m.Call, "a one-way call keeps its flag")

	reply := sampleReply()
	require.NoError(t, envelope.Decode(e.Reply(reply), &m))
	assert.Equal(t, envelope.BodyReply, m.Type)
	assert.Equal(t, reply, m.Reply)

	ok := envelope.ReplyMsg{ID: 7, Status: envelope.StatusOk, Result: []byte("result")}
	require.NoError(t, envelope.Decode(e.Reply(ok), &m))
	assert.Equal(t, ok.Result, m.Reply.Result)
	assert.Nil(t, m.Reply.Error, "no error text on success")
}

func TestEncodingAllocatesNothingOnceWarm(t *testing.T) {
	e := envelope.NewEncoder(256)
	call := sampleCall()
	var m envelope.Msg
	allocs := testing.AllocsPerRun(100, func() {
		if envelope.Decode(e.Call(call), &m) != nil {
			t.Fatal("decode failed")
		}
	})
	assert.Zero(t, allocs)
}

func TestGarbageIsMalformed(t *testing.T) {
	e := envelope.NewEncoder(64)
	good := e.Call(sampleCall())
	var m envelope.Msg
	for _, bad := range [][]byte{
		nil,
		good[:6],
		good[:len(good)/2],
		append([]byte{0xff, 0xff, 0xff, 0x7f}, good[4:]...),
	} {
		assert.ErrorIs(t, envelope.Decode(bad, &m), envelope.ErrMalformed, "% x", bad)
	}
	wrongType := append([]byte(nil), good...)
	for i := range wrongType {
		if wrongType[i] == byte(envelope.BodyCall) {
			wrongType[i] = 9 // the union's type byte, or some other field: either way no panic
			envelope.Decode(wrongType, &m)
			wrongType[i] = byte(envelope.BodyCall)
		}
	}
}

// FuzzDecode feeds Decode arbitrary bytes: it must never panic, and what
// it accepts must encode again to an envelope that decodes to the same
// message.
func FuzzDecode(f *testing.F) {
	e := envelope.NewEncoder(64)
	f.Add(append([]byte(nil), e.Call(sampleCall())...))
	f.Add(append([]byte(nil), e.Reply(sampleReply())...))
	f.Add(append([]byte(nil), e.Call(envelope.CallMsg{})...))
	post := sampleCall()
	post.OneWay = true
	f.Add(append([]byte(nil), e.Call(post)...))
	f.Add([]byte{4, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, buf []byte) {
		var m envelope.Msg
		if envelope.Decode(buf, &m) != nil {
			return
		}
		var again []byte
		switch m.Type {
		case envelope.BodyCall:
			again = e.Call(m.Call)
		case envelope.BodyReply:
			again = e.Reply(m.Reply)
		default:
			t.Fatalf("accepted body type %d", m.Type)
		}
		var m2 envelope.Msg
		if err := envelope.Decode(again, &m2); err != nil {
			t.Fatalf("re-encoded message does not decode: %v", err)
		}
		if m.Type == envelope.BodyCall && (string(m.Call.Args) != string(m2.Call.Args) || m.Call.OneWay != m2.Call.OneWay) ||
			m.Type == envelope.BodyReply && (m.Reply.Status != m2.Reply.Status || string(m.Reply.Error) != string(m2.Reply.Error)) {
			t.Fatalf("round trip changed the message: %+v != %+v", m, m2)
		}
	})
}
