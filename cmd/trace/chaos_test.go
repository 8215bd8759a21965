package main

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/runtime"
)

// chaosFaults: 100 faults (make chaos), 20 with -short (make test, CI).
func chaosFaults() int {
	if n, err := strconv.Atoi(os.Getenv("SHMRUN_CHAOS_FAULTS")); err == nil {
		return n
	}
	if testing.Short() {
		return 20
	}
	return 100
}

// renderY4M renders a session to a Y4M file and returns its bytes; during
// the render, inject (if set) runs with the live pool.
func renderY4M(t *testing.T, args []string, inject func(*runtime.Pool) func()) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "v.y4m")
	cfg, err := parseFlags(append(args, "-o", out), io.Discard)
	require.NoError(t, err)
	cfg.pool = func(o *runtime.Options) {
		o.HeartbeatTimeout = 150 * time.Millisecond
		o.MaxAttempts = 1000 // faults are injected from outside: blame nobody
		o.Stderr = io.Discard
	}
	ctx := context.Background()
	s, err := open(ctx, cfg, io.Discard)
	require.NoError(t, err)
	var stop func()
	if inject != nil {
		stop = inject(s.pool)
	}
	runErr := s.run(ctx)
	if stop != nil {
		stop()
	}
	require.NoError(t, runErr)
	require.Eventually(t, func() bool {
		for _, w := range s.pool.Stats().Workers {
			if !w.Alive {
				return false
			}
		}
		return true
	}, 20*time.Second, 10*time.Millisecond, "the pool is back to full strength")
	st := s.pool.Stats()
	require.NoError(t, s.close(ctx))
	if inject != nil {
		t.Logf("render: %d worker deaths, %d tasks re-run", st.Crashes, st.Redispatched)
	}
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	return b
}

func TestChaosRender(t *testing.T) {
	faults := chaosFaults()
	size := "320x180"
	if testing.Short() {
		size = "160x90"
	}
	args := []string{"-scene", "default", "-size", size, "-frames", "200", "-workers", "2", "-tile", "32"}
	want := renderY4M(t, args, nil)
	var kills, stops int
	got := renderY4M(t, args, func(p *runtime.Pool) func() {
		done := make(chan struct{})
		quit := make(chan struct{})
		go func() {
			defer close(done)
			rng := rand.New(rand.NewPCG(3, 4))
			hit := map[int]bool{}
			for kills+stops < faults {
				select {
				case <-quit:
					return
				case <-time.After(time.Duration(5+rng.IntN(20)) * time.Millisecond):
				}
				ws := p.Stats().Workers
				w := ws[rng.IntN(len(ws))]
				if !w.Alive || w.PID <= 0 || hit[w.PID] {
					continue
				}
				hit[w.PID] = true
				sig, n := syscall.SIGKILL, &kills
				if rng.IntN(2) == 0 {
					sig, n = syscall.SIGSTOP, &stops
				}
				if syscall.Kill(w.PID, sig) == nil {
					*n++
				}
			}
		}()
		return func() { close(quit); <-done }
	})
	t.Logf("chaos render: 200 frames, %d SIGKILLs, %d SIGSTOPs injected", kills, stops)
	assert.Positive(t, kills+stops)
	assert.True(t, bytes.Equal(want, got), "the render is byte-identical to the fault-free one")
}
