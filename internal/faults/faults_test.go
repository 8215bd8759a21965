package faults_test

import (
	"fmt"
	"os/exec"
	"slices"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/internal/faults"
)

// sleepers starts n processes that wait to be hit, and reaps them at the
// end of the test.
func sleepers(t testing.TB, n int) map[int]*exec.Cmd {
	t.Helper()
	procs := map[int]*exec.Cmd{}
	for range n {
		cmd := exec.Command("sleep", "60")
		require.NoError(t, cmd.Start())
		procs[cmd.Process.Pid] = cmd
	}
	t.Cleanup(func() {
		for _, cmd := range procs {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return procs
}

// progress is a settable fraction of work done.
type progress struct{ permille atomic.Int64 }

func (p *progress) get() float64 { return float64(p.permille.Load()) / 1000 }

func TestFaultsFollowProgress(t *testing.T) {
	procs := sleepers(t, 6)
	var pids []int
	for pid := range procs {
		pids = append(pids, pid)
	}
	var done progress
	in := faults.Start(faults.Options{Faults: 4, Seed: 1, Targets: func() []int { return pids }, Progress: done.get})
	defer in.Stop()

	time.Sleep(30 * time.Millisecond)
	done.permille.Store(199)
	time.Sleep(30 * time.Millisecond)
	for _, pid := range pids {
		assert.NotEqual(t, "T", state(pid), "no fault before 1/5 of the work")
	}
	done.permille.Store(500) // past 1/5 and 2/5
	require.Eventually(t, func() bool { return len(hitPIDs(pids)) == 2 }, 5*time.Second, time.Millisecond)
	done.permille.Store(1000)
	time.Sleep(30 * time.Millisecond)
	rep := in.Stop()

	require.Len(t, rep.Faults, 4)
	assert.Equal(t, 4, rep.Kills+rep.Stops)
	seen := map[int]bool{}
	for i, f := range rep.Faults {
		assert.False(t, seen[f.PID], "pid %d hit twice", f.PID)
		seen[f.PID] = true
		assert.GreaterOrEqual(t, f.At, float64(i+1)/5, "fault %d came before its share of the work", i)
		assert.Contains(t, pids, f.PID)
	}
	var stopped []int
	for _, f := range rep.Faults {
		if f.Signal == syscall.SIGSTOP {
			assert.Equal(t, "T", state(f.PID))
			stopped = append(stopped, f.PID)
		} else {
			procs[f.PID].Wait() // reap it, as a supervisor would
		}
	}
	slices.Sort(stopped)
	survivors := rep.Survivors()
	slices.Sort(survivors)
	assert.Equal(t, stopped, survivors, "a stopped process survives until someone kills it")
	for _, pid := range stopped {
		procs[pid].Process.Kill()
		procs[pid].Wait()
	}
	assert.Empty(t, rep.Survivors())
}

func TestStopBeforeAllFaults(t *testing.T) {
	procs := sleepers(t, 2)
	var pids []int
	for pid := range procs {
		pids = append(pids, pid)
	}
	in := faults.Start(faults.Options{Faults: 10, Targets: func() []int { return pids }, Progress: func() float64 { return 1 }})
	require.Eventually(t, func() bool { return len(hitPIDs(pids)) == 2 }, 5*time.Second, time.Millisecond)
	rep := in.Stop()
	assert.Len(t, rep.Faults, 2, "each process is hit once")
	assert.Equal(t, rep, in.Stop(), "Stop is idempotent")
}

// hitPIDs returns the processes that are stopped or dead.
func hitPIDs(pids []int) []int {
	var out []int
	for _, pid := range pids {
		if s := state(pid); s == "T" || s == "Z" || s == "" {
			out = append(out, pid)
		}
	}
	return out
}

// state returns the process state letter of pid, "" if there is none.
func state(pid int) string {
	b, err := exec.Command("ps", "-o", "state=", "-p", fmt.Sprint(pid)).Output()
	if err != nil {
		return ""
	}
	return string(b[:1])
}

func TestCount(t *testing.T) {
	want := 100
	if testing.Short() {
		want = 20
	}
	assert.Equal(t, want, faults.Count(testing.Short()))
	t.Setenv("SHMRUN_CHAOS_FAULTS", "7")
	assert.Equal(t, 7, faults.Count(testing.Short()))
}
