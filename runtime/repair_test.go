package runtime_test

import (
	"math/rand/v2"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/edsrzf/mmap-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/runtime"
)

// scribbleHeader writes random bytes over the arena's header and region
// directory (everything before the first region) on a task's first attempt,
// then kills its worker; the re-run returns x+1.
var scribbleHeader = runtime.Register("test.scribbleHeader", func(env *runtime.Env, x int) (int, error) {
	if env.Attempt() > 1 {
		return x + 1, nil
	}
	a := env.Arena()
	data := int64(a.Size())
	for _, r := range a.Regions() {
		data = min(data, r.Offset)
	}
	m, err := mmap.Map(a.File(), mmap.RDWR, 0)
	if err != nil {
		return 0, err
	}
	rng := rand.New(rand.NewPCG(uint64(x), uint64(os.Getpid())))
	for i := range m[:data] {
		m[i] = byte(rng.Uint32())
	}
	syscall.Kill(os.Getpid(), syscall.SIGKILL)
	time.Sleep(time.Second)
	return 0, nil
})

func TestScribbledArenaHeaderCostsOneWorker(t *testing.T) {
	p := startPool(t, runtime.Options{Workers: 2, Stderr: discard{}})
	ctx := ctxTimeout(t, time.Minute)
	const rounds = 3
	for round := range rounds {
		v, err := scribbleHeader.Run(ctx, p, round)
		require.NoError(t, err)
		assert.Equal(t, round+1, v)
		require.Eventually(t, func() bool {
			for _, w := range p.Stats().Workers {
				if !w.Alive {
					return false
				}
			}
			return true
		}, 10*time.Second, 10*time.Millisecond, "round %d: the replacement attached; the pool is back to full strength", round)
	}
	s := p.Stats()
	restarts := 0
	for _, w := range s.Workers {
		restarts += w.Restarts
	}
	assert.EqualValues(t, rounds, s.Crashes)
	assert.Equal(t, rounds, restarts, "one replacement per scribbling worker, none that died on start")
	out, err := runtime.Map(ctx, p, square, ints(500), &runtime.MapOptions{Chunk: 1})
	require.NoError(t, err)
	for i, v := range out {
		require.Equal(t, i*i, v)
	}
	for _, w := range p.Stats().Workers {
		assert.Positive(t, w.Tasks, "worker %d took tasks", w.Worker)
	}
}
