package faults_test

import (
	"context"
	"log/slog"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/internal/faults"
	"github.com/shmrun/shmrun/runtime"
)

// TestMain makes the test binary its own worker.
func TestMain(m *testing.M) {
	runtime.Main()
	os.Exit(m.Run())
}

func TestPoolRecovers(t *testing.T) {
	var tally faults.Tally
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, err := runtime.Start(ctx, &runtime.Options{Workers: 2, HeartbeatTimeout: 200 * time.Millisecond,
		Logger: slog.New(&tally), Stderr: discard{}})
	require.NoError(t, err)
	defer p.Close(ctx)
	var deaths faults.Deaths
	p.OnWorkerExit(deaths.Record)
	in := faults.Start(faults.Options{Faults: 2, Seed: 3, Targets: faults.Workers(p), Progress: func() float64 { return 1 }})
	<-in.Done()
	rep := in.Stop()
	require.Len(t, rep.Faults, 2)
	require.NoError(t, faults.AwaitRecovery(p, rep, 20*time.Second))
	assert.NoError(t, deaths.Explain(rep))
	assert.EqualValues(t, 2, p.Stats().Crashes)
	assert.Contains(t, tally.String(), "    1 shmrun: worker died (killed by signal SIGKILL)")
	assert.Contains(t, tally.String(), "    1 shmrun: worker died (killed by the master: stopped: no heartbeat for)")

	// A victim that nobody reaps is reported.
	procs := sleepers(t, 1)
	var pid int
	for pid = range procs {
	}
	stuck := faults.Start(faults.Options{Faults: 1, Targets: func() []int { return []int{pid} }, Progress: func() float64 { return 1 }})
	<-stuck.Done()
	err = faults.AwaitRecovery(p, stuck.Stop(), 50*time.Millisecond)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "victims still there")
	syscall.Kill(pid, syscall.SIGKILL)
}

func TestTally(t *testing.T) {
	var tally faults.Tally
	log := slog.New(&tally).With("worker", 1)
	log.Warn("died", "reason", "no heartbeat for 153ms (stopped)")
	log.Warn("died", "reason", "no heartbeat for 170ms (stopped)")
	log.Info("restarted")
	assert.Equal(t, "    2 died (no heartbeat for)\n    1 restarted", tally.String())
}

type discard struct{}

func (discard) Write(b []byte) (int, error) { return len(b), nil }
