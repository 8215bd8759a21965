package runtime_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/internal/faults"
	"github.com/shmrun/shmrun/runtime"
)

// TestWorkerKilledWhileStartingIsStartedAgain SIGKILLs a worker while Start
// waits for its hello (the OOM killer, or a user's kill, on a loaded
// machine): Start starts it again and succeeds, and the death is counted.
// A worker that exits on its own before its hello still fails Start at
// once (TestStartFailsCleanlyWhenWorkersDie).
func TestWorkerKilledWhileStartingIsStartedAgain(t *testing.T) {
	slow := filepath.Join(t.TempDir(), "slow")
	require.NoError(t, os.WriteFile(slow, nil, 0o600)) // workers wait before their hello
	env := "SHMRUN_TEST_SLOW_START=" + slow
	killed := make(chan int, 1)
	go func() {
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if pid := childWithEnv(env); pid != 0 {
				_ = os.Remove(slow) // the next one says hello at once
				if syscall.Kill(pid, syscall.SIGKILL) == nil {
					killed <- pid
					return
				}
			}
			time.Sleep(time.Millisecond)
		}
		killed <- 0
	}()
	ctx := ctxTimeout(t, time.Minute)
	p, err := runtime.Start(ctx, &runtime.Options{Workers: 1, Stderr: discard{}, StartTimeout: 20 * time.Second, Env: []string{env}})
	require.NoError(t, err, "a worker SIGKILLed before its hello is started again")
	defer p.Close(ctx)
	pid := <-killed
	require.NotZero(t, pid, "no starting worker was found to kill")
	st := p.Stats()
	assert.EqualValues(t, 1, st.Crashes)
	assert.NotEqual(t, pid, st.Workers[0].PID)
	assert.True(t, st.Workers[0].Alive)
	got, err := square.Run(ctx, p, 7)
	require.NoError(t, err)
	assert.Equal(t, 49, got)
}

// childWithEnv returns the pid of a child of this process whose
// environment holds kv, or 0.
func childWithEnv(kv string) int {
	for _, pid := range faults.Children(os.Getpid()) {
		environ, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
		if err == nil && bytes.Contains(append(append([]byte{0}, environ...), 0), []byte("\x00"+kv+"\x00")) {
			return pid
		}
	}
	return 0
}
