//go:build shmrun_faults

package main

import (
	"bytes"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/shmrun/shmrun/internal/faults"
	"github.com/shmrun/shmrun/runtime"
)

// The garbage writer exists only in builds with the shmrun_faults tag (make
// test, make chaos); see runtime.EnvChaosGarbage.

// TestGarbageRender renders with workers that, after some tiles, write
// random bytes over their rings, their control block or the task frame
// they hold, or send junk. The master must notice, replace them, and still
// write the same video: a tile is only taken from a correct result, and a
// re-rendered tile writes the same pixels.
func TestGarbageRender(t *testing.T) {
	args := []string{"-scene", "default", "-size", "96x54", "-frames", "12", "-workers", "2", "-tile", "32"}
	want, _ := renderY4M(t, args, chaosPool(nil), nil)
	for seed := range 2 {
		var log faults.Log
		got, st := renderY4M(t, args, chaosPool(slog.New(&log), fmt.Sprintf("%s=%d", runtime.EnvChaosGarbage, seed+1)), nil)
		t.Logf("seed %d: %d deaths, %d tiles re-run; supervision log:\n%s", seed+1, st.Crashes, st.Redispatched, &log)
		assert.Positive(t, st.Crashes, "garbage was noticed")
		assert.True(t, bytes.Equal(want, got), "the render is byte-identical to the fault-free one")
	}
}
