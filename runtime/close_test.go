package runtime_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/runtime"
)

// TestCloseWhileAReplacementStarts closes a pool whose only worker was just
// SIGKILLed, while its replacement runs and has not yet said hello: the
// window a Close 1 ms after a crash falls into. Close stops the replacement
// and returns once it is gone; it has no hello to wait for.
func TestCloseWhileAReplacementStarts(t *testing.T) {
	slow := filepath.Join(t.TempDir(), "slow")
	const startTimeout = 20 * time.Second
	p, err := runtime.Start(ctxTimeout(t, 30*time.Second), &runtime.Options{Workers: 1, Stderr: discard{},
		StartTimeout: startTimeout, Env: []string{"SHMRUN_TEST_SLOW_START=" + slow}})
	require.NoError(t, err)
	pid := p.Stats().Workers[0].PID
	exits := make(chan runtime.WorkerExit, 2)
	p.OnWorkerExit(func(e runtime.WorkerExit) { exits <- e })
	require.NoError(t, os.WriteFile(slow, nil, 0o600)) // replacements wait before their hello
	require.NoError(t, syscall.Kill(pid, syscall.SIGKILL))
	require.Eventually(t, func() bool { return p.Stats().Workers[0].PID != pid }, 10*time.Second, 100*time.Microsecond,
		"a replacement was started")
	replacement := p.Stats().Workers[0]
	require.False(t, replacement.Alive, "the replacement has not said hello yet")

	start := time.Now()
	require.NoError(t, p.Close(ctxTimeout(t, time.Minute)))
	took := time.Since(start)
	t.Logf("Close took %v (the replacement waits %v before its hello)", took, slowStart)
	assert.Less(t, took, startTimeout/2, "Close waited for a hello that no longer matters")
	assert.False(t, alive(replacement.PID), "the replacement is gone")
	assert.EqualValues(t, 1, p.Stats().Crashes, "the SIGKILL, and no more")
	require.Len(t, exits, 2)
	assert.Equal(t, pid, (<-exits).PID)
	last := <-exits
	assert.Equal(t, replacement.PID, last.PID)
	assert.True(t, last.Graceful, "stopped before its hello, the replacement exits cleanly: %v", last)
}
