package proxy

import (
	"context"
	"encoding/binary"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/arena"
	"github.com/shmrun/shmrun/internal/spinwait"
	"github.com/shmrun/shmrun/proxy/internal/envelope"
)

// These tests play a misbehaving process by hand: the hub under test is
// endpoint 0 of a two-endpoint region, and the test writes endpoint 1's
// words and slots directly, as a buggy or crashed worker could.

const fake = 1 // the endpoint the test plays

func testHub(t testing.TB) *Hub { return testHubWith(t, Options{Handlers: 2}, true) }

// testHubWith is testHub with options, and with no handler goroutines
// unless handle is set.
func testHubWith(t testing.TB, o Options, handle bool) *Hub {
	t.Helper()
	a, err := arena.Create(4<<20, nil)
	require.NoError(t, err)
	g := geometry{endpoints: 2, entries: 8, slotSize: 512}
	r, err := a.Alloc(regionName, g.size(), kindHub)
	require.NoError(t, err)
	opts := o.withDefaults()
	h, err := create(r, g, opts)
	require.NoError(t, err)
	if handle {
		h.start(opts.Handlers)
	}
	svc := NewService("echo")
	Method(svc, "echo", func(_ context.Context, s string) (string, error) { return s, nil })
	require.NoError(t, h.Serve(context.Background(), svc))
	t.Cleanup(func() {
		h.Close()
		a.Close()
	})
	return h
}

// post writes raw bytes as a call in the fake endpoint's slot i, addressed
// to endpoint 0, and returns the reply's bytes.
func post(t testing.TB, h *Hub, i int, raw []byte) []byte {
	return postRaw(t, h, i, raw, uint32(len(raw)))
}

func replyOf(t testing.TB, b []byte) envelope.ReplyMsg {
	t.Helper()
	var m envelope.Msg
	require.NoError(t, envelope.Decode(b, &m), "a home's replies always verify")
	require.Equal(t, envelope.BodyReply, m.Type)
	return m.Reply
}

func TestGarbageCallsAreAnsweredWithErrors(t *testing.T) {
	h := testHub(t)
	obj, err := h.Dial("echo")
	require.NoError(t, err)
	enc := envelope.NewEncoder(64)
	good := func(i int) envelope.CallMsg {
		hdr, _ := h.sh.slot(fake, i)
		gen, _ := unpack(hdr.state.Load())
		return envelope.CallMsg{ID: callID(gen+1, fake, i), Object: obj.r.index, Generation: obj.r.gen,
			Method: []byte("echo"), Signature: signature[string, string](), Args: []byte("hi")}
	}
	r := replyOf(t, post(t, h, 0, enc.Call(good(0))))
	require.Equal(t, envelope.StatusOk, r.Status, "%s", r.Error)
	assert.Equal(t, "hi", string(r.Result))

	for name, c := range map[string]struct {
		raw  func() []byte
		want envelope.Status
	}{
		"random bytes":      {func() []byte { return []byte("\x10\x00\x00\x00garbage, garbage") }, envelope.StatusMalformed},
		"empty":             {func() []byte { return nil }, envelope.StatusMalformed},
		"a reply as a call": {func() []byte { return enc.Reply(envelope.ReplyMsg{ID: 1}) }, envelope.StatusMalformed},
		"another call's id": {func() []byte { m := good(1); m.ID++; return enc.Call(m) }, envelope.StatusMalformed},
		"no such entry":     {func() []byte { m := good(1); m.Object = 1 << 30; return enc.Call(m) }, envelope.StatusUnknownObject},
		"old generation":    {func() []byte { m := good(1); m.Generation--; return enc.Call(m) }, envelope.StatusUnknownObject},
		"other types":       {func() []byte { m := good(1); m.Signature++; return enc.Call(m) }, envelope.StatusBadArgument},
		"deadline passed":   {func() []byte { m := good(1); m.Deadline = 1; return enc.Call(m) }, envelope.StatusDeadline},
	} {
		t.Run(name, func(t *testing.T) {
			before := h.Stats().Malformed
			r := replyOf(t, post(t, h, 1, c.raw()))
			assert.Equal(t, c.want, r.Status, "%s", r.Error)
			if c.want == envelope.StatusMalformed {
				assert.Equal(t, before+1, h.Stats().Malformed, "counted")
			}
		})
	}

	// A length past the slot is caught before anything is read.
	r = replyOf(t, postRaw(t, h, 2, enc.Call(good(2)), 1<<30))
	assert.Equal(t, envelope.StatusMalformed, r.Status)

	// The handlers live on.
	r = replyOf(t, post(t, h, 3, enc.Call(good(3))))
	assert.Equal(t, envelope.StatusOk, r.Status)
}

// postRaw is post with a length word that may lie. It returns nil when
// the home read the call as a post and wrote no reply.
func postRaw(t testing.TB, h *Hub, i int, raw []byte, n uint32) []byte {
	t.Helper()
	gen := request(h, i, raw, n)
	hdr, buf := h.sh.slot(fake, i)
	deadline := time.Now().Add(5 * time.Second)
	for {
		g, st := unpack(hdr.state.Load())
		if g == gen && slotState(st) == slotConsumed {
			return nil
		}
		if g == gen && slotState(st) == slotReplied {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no reply to % x", raw)
		}
		time.Sleep(10 * time.Microsecond)
	}
	n = hdr.length.Load()
	require.LessOrEqual(t, int(n), len(buf))
	return append([]byte(nil), buf[:n]...)
}

// request writes raw as a call in the fake endpoint's slot i, addressed
// to endpoint 0, with length word n, and rings; it returns the call's use
// count.
func request(h *Hub, i int, raw []byte, n uint32) uint64 {
	hdr, buf := h.sh.slot(fake, i)
	gen, _ := unpack(hdr.state.Load())
	gen++
	copy(buf, raw)
	hdr.length.Store(n)
	hdr.home.Store(0)
	hdr.homeEpoch.Store(0)
	hdr.callerEpoch.Store(h.sh.endpoint(fake).epoch.Load())
	hdr.state.Store(pack(gen, uint8(slotRequested)))
	h.sh.pending(0, fake).Or(1 << i)
	h.ring(0)
	return gen
}

// fakeHome publishes an object homed at the fake endpoint, and answers the
// next call to it with whatever answer writes into the slot.
func fakeHome(t *testing.T, h *Hub, answer func(enc *envelope.Encoder, hdr *slotHeader, buf []byte, gen uint64, slot int)) *Object {
	t.Helper()
	r, code := h.sh.reserve("fake.object", fake, 0)
	require.Equal(t, dirOK, code)
	require.True(t, h.sh.setState(r, entryReserved, entryLive))
	obj, err := h.Dial("fake.object")
	require.NoError(t, err)
	go func() {
		p := h.sh.pending(fake, 0)
		for p.Load() == 0 {
			time.Sleep(10 * time.Microsecond)
		}
		bits := p.Swap(0)
		for i := range slotsPerEnd {
			if bits&(1<<i) == 0 {
				continue
			}
			hdr, buf := h.sh.slot(0, i)
			gen, _ := unpack(hdr.state.Load())
			hdr.state.Store(pack(gen, uint8(slotRunning)))
			answer(envelope.NewEncoder(64), hdr, buf, gen, i)
			spinwait.Kick(&h.sh.endpoint(0).replyBell)
		}
	}()
	return obj
}

func TestGarbageRepliesAreErrors(t *testing.T) {
	cases := map[string]struct {
		answer func(enc *envelope.Encoder, hdr *slotHeader, buf []byte, gen uint64, slot int)
		want   error
	}{
		"random bytes": {func(_ *envelope.Encoder, hdr *slotHeader, buf []byte, gen uint64, _ int) {
			hdr.length.Store(uint32(copy(buf, "\x20\x00\x00\x00 not a flatbuffer at all")))
			hdr.state.Store(pack(gen, uint8(slotReplied)))
		}, ErrMalformed},
		"length past the slot": {func(_ *envelope.Encoder, hdr *slotHeader, _ []byte, gen uint64, _ int) {
			hdr.length.Store(1 << 31)
			hdr.state.Store(pack(gen, uint8(slotReplied)))
		}, ErrMalformed},
		"another call's reply": {func(enc *envelope.Encoder, hdr *slotHeader, buf []byte, gen uint64, i int) {
			hdr.length.Store(uint32(copy(buf, enc.Reply(envelope.ReplyMsg{ID: callID(gen+7, 0, i)}))))
			hdr.state.Store(pack(gen, uint8(slotReplied)))
		}, ErrMalformed},
		"unknown status": {func(enc *envelope.Encoder, hdr *slotHeader, buf []byte, gen uint64, i int) {
			hdr.length.Store(uint32(copy(buf, enc.Reply(envelope.ReplyMsg{ID: callID(gen, 0, i), Status: 200}))))
			hdr.state.Store(pack(gen, uint8(slotReplied)))
		}, ErrMalformed},
		"state scribbled": {func(_ *envelope.Encoder, hdr *slotHeader, _ []byte, gen uint64, _ int) {
			hdr.state.Store(pack(gen+5, uint8(slotIdle)))
		}, ErrCorrupt},
		"result the wrong size": {func(enc *envelope.Encoder, hdr *slotHeader, buf []byte, gen uint64, i int) {
			hdr.length.Store(uint32(copy(buf, enc.Reply(envelope.ReplyMsg{ID: callID(gen, 0, i), Result: []byte{1, 2, 3}}))))
			hdr.state.Store(pack(gen, uint8(slotReplied)))
		}, ErrBadArgument},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			h := testHub(t)
			obj := fakeHome(t, h, c.answer)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err := Call[int, int](ctx, obj, "m", 1)
			assert.ErrorIs(t, err, c.want)
		})
	}
}

func TestAttachRejectsGarbageHeaders(t *testing.T) {
	a, err := arena.Create(1<<20, nil)
	require.NoError(t, err)
	defer a.Close()
	r, err := a.Alloc(regionName, 64<<10, kindHub)
	require.NoError(t, err)
	hdr := headerOf(r.Bytes())
	_, _, err = attach(r)
	assert.ErrorIs(t, err, ErrNoHub, "not formatted yet")
	hdr.magic.Store(hubMagic)
	for _, g := range []geometry{{0, 8, 512}, {2, 1, 512}, {2, 8, 10}, {2, 8, 1 << 30}, {1 << 20, 8, 512}, {4, 200, 4096}} {
		hdr.endpoints.Store(uint32(g.endpoints))
		hdr.entries.Store(uint32(g.entries))
		hdr.slotSize.Store(uint32(g.slotSize))
		_, _, err = attach(r)
		assert.ErrorIs(t, err, ErrCorrupt, "%+v", g)
	}
	_, err = view(arena.Region{}, geometry{2, 8, 512})
	assert.ErrorIs(t, err, ErrCorrupt)
}

func TestDirectorySurvivesScribbles(t *testing.T) {
	h := testHub(t)
	e := &h.sh.dir[1]
	e.nameLen.Store(1 << 20) // an impossible length
	_, err := h.Dial("echo")
	assert.ErrorIs(t, err, ErrUnknownObject, "the scribbled entry is skipped")
	e.nameLen.Store(4)
	e.home.Store(1 << 30) // an impossible home
	_, err = h.Dial("echo")
	assert.ErrorIs(t, err, ErrUnknownObject)
	var name [maxNameLen]byte
	binary.LittleEndian.PutUint64(name[:], e.name[0].Load())
	assert.Equal(t, "echo", string(name[:4]))
}

// FuzzHandler writes arbitrary bytes into a call slot as a misbehaving
// process would: the home must answer every one with a reply that
// verifies, or read it as a post when it is a well-formed one-way call,
// and never panic.
func FuzzHandler(f *testing.F) {
	enc := envelope.NewEncoder(64)
	f.Add(enc.Call(envelope.CallMsg{ID: callID(1, fake, 0), Object: 1, Generation: 1, Method: []byte("echo"),
		Signature: signature[string, string](), Args: []byte("x")}))
	f.Add(enc.Call(envelope.CallMsg{ID: 5, Method: []byte("reserve")}))
	f.Add(enc.Reply(envelope.ReplyMsg{ID: 1, Status: envelope.StatusOk}))
	f.Add([]byte{})
	f.Add(enc.Call(envelope.CallMsg{ID: callID(1, fake, 0), Object: 1, Generation: 1, Method: []byte("echo"),
		Signature: signature[string, string](), Args: []byte("x"), OneWay: true}))
	h := testHub(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		if len(raw) > h.sh.slotSize {
			raw = raw[:h.sh.slotSize]
		}
		hdr, _ := h.sh.slot(fake, 0)
		hdr.state.Store(pack(0, uint8(slotIdle))) // every input is use 1 of the slot: the seeds' ids match
		b := post(t, h, 0, raw)
		if b == nil { // read as a post: only a well-formed one-way call for this slot is
			var m envelope.Msg
			require.NoError(t, envelope.Decode(raw, &m))
			require.True(t, m.Type == envelope.BodyCall && m.Call.OneWay, "%+v", m)
			return
		}
		replyOf(t, b)
	})
}
