package faults_test

import (
	"context"
	"log/slog"
	"os"
	"strings"
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
	var log faults.Log
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, err := runtime.Start(ctx, &runtime.Options{Workers: 2, HeartbeatTimeout: 200 * time.Millisecond,
		Logger: slog.New(&log), Stderr: discard{}})
	require.NoError(t, err)
	defer p.Close(ctx)
	var deaths faults.Deaths
	p.OnWorkerExit(deaths.Record)
	in := faults.Start(faults.Options{Faults: 2, Seed: 3, Targets: faults.Workers(p), Progress: func() float64 { return 1 }})
	<-in.Done()
	rep := in.Stop()
	require.Len(t, rep.Faults, 2)
	require.NoError(t, faults.AwaitRecovery(p, rep, 20*time.Second))
	assert.NoError(t, deaths.Explain(rep), "supervision log:\n%s", &log)
	assert.EqualValues(t, 2, p.Stats().Crashes)
	assert.Equal(t, 1, deaths.Crashed(syscall.SIGKILL))
	assert.Equal(t, 1, deaths.Killed(runtime.KillStopped))
	assert.Contains(t, log.String(), "shmrun: worker died", "the pool logs each death")

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

func TestLogKeepsTheLastLines(t *testing.T) {
	var l faults.Log
	log := slog.New(&l)
	for i := range 250 {
		log.Info("restarted", "worker", i)
	}
	lines := strings.Split(l.String(), "\n")
	require.Len(t, lines, 200)
	assert.Equal(t, "INFO restarted worker=50", lines[0])
	assert.Equal(t, "INFO restarted worker=249", lines[199])
}

type discard struct{}

func (discard) Write(b []byte) (int, error) { return len(b), nil }
