package runtime_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/arena"
	"github.com/shmrun/shmrun/ring"
	"github.com/shmrun/shmrun/runtime/internal/wire"
)

// fakeMaster plays a master by hand, with the layout a pool gives worker 0
// (regions named by index, the arena as fd 3, the liveness pipe as fd 4),
// so that a test can send a worker tasks no Pool would build.
type fakeMaster struct {
	cmd  *exec.Cmd
	live *os.File
	sub  *ring.Producer
	comp *ring.Consumer
	enc  *wire.Encoder
}

func startFakeMaster(t *testing.T) *fakeMaster {
	t.Helper()
	a, err := arena.Create(4<<20, nil)
	require.NoError(t, err)
	t.Cleanup(func() { a.Close() })
	var regions [2]arena.Region
	for i, name := range []string{"shmrun.w0.submit", "shmrun.w0.complete"} {
		regions[i], err = a.Alloc(name, ring.SPSCSize(64<<10), ring.KindSPSC)
		require.NoError(t, err)
		require.NoError(t, ring.InitSPSC(regions[i]))
	}
	_, err = a.Alloc("shmrun.w0.control", 4096, arena.KindBytes)
	require.NoError(t, err)
	m := &fakeMaster{enc: wire.NewEncoder()}
	m.sub, err = ring.NewProducer(regions[0], nil)
	require.NoError(t, err)
	m.comp, err = ring.NewConsumer(regions[1], nil)
	require.NoError(t, err)
	liveR, liveW, err := os.Pipe()
	require.NoError(t, err)
	defer liveR.Close()
	m.live = liveW
	m.cmd = exec.Command(os.Args[0])
	m.cmd.Env = []string{"SHMRUN_WORKER=0"}
	m.cmd.ExtraFiles = []*os.File{a.File(), liveR}
	m.cmd.Stderr = os.Stderr
	require.NoError(t, m.cmd.Start())
	t.Cleanup(func() { // the worker exits when its master's pipe closes
		m.live.Close()
		m.cmd.Wait()
	})
	return m
}

// next returns the worker's next message.
func (m *fakeMaster) next(t *testing.T, ctx context.Context) wire.Msg {
	t.Helper()
	f, err := m.comp.Next(ctx)
	require.NoError(t, err)
	var msg wire.Msg
	require.NoError(t, wire.Decode(f, &msg))
	return msg
}

func kernelHash(name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return h.Sum64()
}

// TestForgedTaskRunsOnlyRegisteredKernels sends a worker tasks straight
// into its task ring: one naming a kernel nobody registered is refused
// with an error; a registered one runs.
func TestForgedTaskRunsOnlyRegisteredKernels(t *testing.T) {
	m := startFakeMaster(t)
	ctx := ctxTimeout(t, 20*time.Second)
	hello := m.next(t, ctx)
	require.Equal(t, wire.MessageHello, hello.Type)
	assert.EqualValues(t, m.cmd.Process.Pid, hello.Hello.PID)

	seven := wire.AppendItem(nil, binary.LittleEndian.AppendUint64(nil, 7))
	for _, c := range []struct {
		kernel string
		status wire.Status
		value  string
	}{
		{"os.RemoveAll", wire.StatusError, ""},
		{"test.square", wire.StatusOk, string(binary.LittleEndian.AppendUint64(nil, 49))},
	} {
		require.NoError(t, m.sub.Send(ctx, m.enc.Task(wire.TaskMsg{ID: 1, Kernel: kernelHash(c.kernel), Attempt: 1, Items: 1, Args: seven})))
		m.sub.Flush()
		r := m.next(t, ctx)
		require.Equal(t, wire.MessageResult, r.Type)
		assert.Equal(t, c.status, r.Result.Status, "kernel %s: %s", c.kernel, r.Result.Error)
		if c.status == wire.StatusOk {
			vals := wire.ValuesOf(r.Result.Values, r.Result.Stride)
			st, v, err := vals.Next()
			require.NoError(t, err)
			assert.Equal(t, wire.StatusOk, st)
			assert.Equal(t, c.value, string(v))
		} else {
			assert.Contains(t, string(r.Result.Error), fmt.Sprintf("no kernel with id %#x", kernelHash(c.kernel)))
		}
	}
}
