package proxy

import (
	"bytes"
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/proxy/internal/envelope"
)

// oneWay is a post from the fake endpoint's slot i to the echo object of
// a test hub, with the use count the slot's next call has.
func oneWay(h *Hub, obj *Object, i int) envelope.CallMsg {
	hdr, _ := h.sh.slot(fake, i)
	gen, _ := unpack(hdr.state.Load())
	return envelope.CallMsg{ID: callID(gen+1, fake, i), Object: obj.r.index, Generation: obj.r.gen,
		Method: []byte("echo"), Signature: signature[string, string](), Args: []byte("hi"), OneWay: true}
}

func TestPostsAreReadThenRun(t *testing.T) {
	var log bytes.Buffer
	h := testHubWith(t, Options{Handlers: 1, Logger: slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))}, true)
	obj, err := h.Dial("echo")
	require.NoError(t, err)
	enc := envelope.NewEncoder(64)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	before := h.Stats()
	assert.Nil(t, post(t, h, 0, enc.Call(oneWay(h, obj, 0))), "a post gets no reply: its slot is handed back")
	require.NoError(t, h.Drain(ctx))
	assert.Equal(t, before.Served+1, h.Stats().Served)

	for name, c := range map[string]func(m *envelope.CallMsg){
		"other types":     func(m *envelope.CallMsg) { m.Signature++ },
		"no such method":  func(m *envelope.CallMsg) { m.Method = []byte("nope") },
		"old generation":  func(m *envelope.CallMsg) { m.Generation-- },
		"deadline passed": func(m *envelope.CallMsg) { m.Deadline = 1 },
	} {
		t.Run(name, func(t *testing.T) {
			before := h.Stats().PostErrors
			m := oneWay(h, obj, 1)
			c(&m)
			assert.Nil(t, post(t, h, 1, enc.Call(m)))
			require.NoError(t, h.Drain(ctx))
			assert.Equal(t, before+1, h.Stats().PostErrors, "counted in the home")
		})
	}
	assert.Contains(t, log.String(), `level=DEBUG msg="proxy: post failed" object=echo method=nope from=1 status=UnknownMethod`)

	// A post whose caller died after posting still runs.
	h.sh.endpoint(fake).epoch.Add(1)
	before = h.Stats()
	assert.Nil(t, post(t, h, 2, enc.Call(oneWay(h, obj, 2))))
	require.NoError(t, h.Drain(ctx))
	assert.Equal(t, before.Served+1, h.Stats().Served)
	assert.Equal(t, before.PostErrors, h.Stats().PostErrors)
}

func TestDrainServesWhatNoHandlerClaimed(t *testing.T) {
	h := testHubWith(t, Options{Handlers: 1}, false) // no handler goroutines
	obj, err := h.Dial("echo")
	require.NoError(t, err)
	enc := envelope.NewEncoder(64)
	call := oneWay(h, obj, 3)
	call.OneWay = false
	raw := enc.Call(call)
	gens := []uint64{request(h, 3, raw, uint32(len(raw))), 0}
	raw = enc.Call(oneWay(h, obj, 4))
	gens[1] = request(h, 4, raw, uint32(len(raw)))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, h.Drain(ctx))
	for i, want := range []slotState{slotReplied, slotConsumed} {
		hdr, buf := h.sh.slot(fake, 3+i)
		gen, st := unpack(hdr.state.Load())
		assert.Equal(t, gens[i], gen)
		assert.Equal(t, want, slotState(st), "Drain served slot %d itself", 3+i)
		if want == slotReplied {
			r := replyOf(t, buf[:hdr.length.Load()])
			assert.Equal(t, "hi", string(r.Result))
		}
	}
	assert.Zero(t, h.sh.pending(0, fake).Load())
	assert.EqualValues(t, 2, h.Stats().Served)
}

func TestAReplacementPostsAgainWhatItsPredecessorLeft(t *testing.T) {
	h := testHub(t)
	obj, err := h.Dial("echo")
	require.NoError(t, err)
	enc := envelope.NewEncoder(64)
	// The fake endpoint's previous incarnation wrote a post into slot 5 and
	// died before it set its pending bit, and a call into slot 6.
	const post, call = 5, 6
	raw := enc.Call(oneWay(h, obj, post))
	hdr, buf := h.sh.slot(fake, post)
	gen, _ := unpack(hdr.state.Load())
	copy(buf, raw)
	hdr.length.Store(uint32(len(raw)))
	hdr.state.Store(pack(gen+1, uint8(slotRequested)))
	m := oneWay(h, obj, call)
	m.OneWay = false
	raw = enc.Call(m)
	chdr, cbuf := h.sh.slot(fake, call)
	cgen, _ := unpack(chdr.state.Load())
	copy(cbuf, raw)
	chdr.length.Store(uint32(len(raw)))
	chdr.state.Store(pack(cgen+1, uint8(slotRequested)))
	before := h.Stats().Served

	h.sh.endpoint(fake).epoch.Add(1) // the master saw it die
	r := newHub(h.sh, fake, Options{Handlers: 1}.withDefaults())
	r.adopt()
	require.Eventually(t, func() bool {
		_, st := unpack(hdr.state.Load())
		return slotState(st) == slotConsumed
	}, 5*time.Second, time.Millisecond, "the home read the post")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, h.Drain(ctx))
	assert.Equal(t, before+1, h.Stats().Served, "the post ran once, the call not at all")
	_, st := unpack(chdr.state.Load())
	assert.Equal(t, slotAbandoned, slotState(st), "the call nobody waits for is withdrawn")
	assert.True(t, r.reclaim(), "the post's slot comes back to the replacement")
	for range slotsPerEnd {
		c, err := r.acquire(ctx)
		require.NoError(t, err, "every slot is free again")
		defer c.release()
	}
}
