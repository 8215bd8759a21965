//go:build shmrun_faults

package runtime_test

import (
	"fmt"
	"log/slog"
	goruntime "runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/internal/faults"
	"github.com/shmrun/shmrun/runtime"
)

// The garbage writer exists only in builds with the shmrun_faults tag (make
// test, make chaos); see runtime.EnvChaosGarbage.
func TestGarbageWorkersAreReplacedAndNothingIsLost(t *testing.T) {
	for seed := range 3 {
		var log faults.Log
		var stderr tailBuffer
		p := startPool(t, runtime.Options{Stderr: &stderr, HeartbeatTimeout: 500 * time.Millisecond,
			Logger: slog.New(&log), Env: []string{fmt.Sprintf("%s=%d", runtime.EnvChaosGarbage, seed+1)}})
		ctx := ctxTimeout(t, time.Minute)
		out, err := runtime.Map(ctx, p, square, ints(400), &runtime.MapOptions{Chunk: 2})
		if err != nil {
			dumpStuckPool(t, p, &log, &stderr)
		}
		require.NoError(t, err)
		for i, v := range out {
			require.Equal(t, i*i, v)
		}
		s := p.Stats()
		t.Logf("seed %d: %d crashes, %d tasks re-run", seed+1, s.Crashes, s.Redispatched)
		assert.Positive(t, s.Crashes, "garbage was noticed")
	}
}

// dumpStuckPool logs what a test needs to tell why a pool stopped making
// progress: each worker's counters, the supervision log, the master's
// goroutines, and the live workers' goroutines (they print them on
// SIGQUIT into stderr, which the pool sends to the tail buffer).
func dumpStuckPool(t *testing.T, p *runtime.Pool, log *faults.Log, stderr *tailBuffer) {
	t.Helper()
	for _, w := range p.Stats().Workers {
		t.Logf("worker %+v", w)
	}
	t.Logf("supervision log:\n%s", log)
	buf := make([]byte, 1<<20)
	t.Logf("master goroutines:\n%s", buf[:goruntime.Stack(buf, true)])
	for _, w := range p.Stats().Workers {
		if w.Alive && w.PID > 0 {
			syscall.Kill(w.PID, syscall.SIGQUIT)
		}
	}
	time.Sleep(time.Second)
	t.Logf("workers' stderr, last part:\n%s", stderr.String())
}

// tailBuffer keeps the last 256 KiB written to it; safe for concurrent use.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - 256<<10; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}
