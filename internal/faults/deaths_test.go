package faults_test

import (
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/internal/faults"
	"github.com/shmrun/shmrun/runtime"
)

func TestDeathsExplain(t *testing.T) {
	rep := faults.Report{Faults: []faults.Fault{{PID: 10, Signal: syscall.SIGKILL}, {PID: 11, Signal: syscall.SIGSTOP}}}
	killed := runtime.WorkerExit{Worker: 0, PID: 10, Cause: runtime.ExitCrashed, Signal: syscall.SIGKILL, Status: -1}
	stopped := runtime.WorkerExit{Worker: 1, PID: 11, Cause: runtime.ExitKilled, Signal: syscall.SIGKILL, Status: -1,
		Kill: runtime.Kill{Reason: runtime.KillStopped, Detail: "no heartbeat for 160ms"}}
	hung := func(pid int) runtime.WorkerExit {
		return runtime.WorkerExit{Worker: 1, PID: pid, Cause: runtime.ExitKilled, Signal: syscall.SIGKILL, Status: -1,
			Kill: runtime.Kill{Reason: runtime.KillHung, Detail: "no heartbeat for 1.6s"}}
	}
	graceful := func(pid int) runtime.WorkerExit {
		return runtime.WorkerExit{Worker: 1, PID: pid, Cause: runtime.ExitStopped, Graceful: true}
	}
	for _, c := range []struct {
		name  string
		exits []runtime.WorkerExit
		want  []string // in the error; none: no error
	}{
		{"one to one", []runtime.WorkerExit{stopped, killed, graceful(12)}, nil},
		{"a fault unnoticed", []runtime.WorkerExit{killed}, []string{"pid 11 got SIGSTOP and did not die"}},
		{"a death with no fault", []runtime.WorkerExit{killed, stopped, hung(13)},
			[]string{"worker 1 (pid 13) died with no fault: killed by the master: hung"}},
		{"the wrong cause", []runtime.WorkerExit{killed, hung(11)},
			[]string{`pid 11 got SIGSTOP but died of "killed by the master: hung`}},
		{"killed by the master, not by the fault", []runtime.WorkerExit{stopped,
			{Worker: 0, PID: 10, Cause: runtime.ExitKilled, Signal: syscall.SIGKILL, Status: -1, Kill: runtime.Kill{Reason: runtime.KillProtocol}}},
			[]string{`pid 10 got SIGKILL but died of "killed by the master: protocol"`}},
		{"twice", []runtime.WorkerExit{killed, stopped, killed}, []string{"pid 10 died twice"}},
		{"a graceful exit is no death", []runtime.WorkerExit{killed, graceful(11)},
			[]string{"pid 11 got SIGSTOP and did not die"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var d faults.Deaths
			for _, e := range c.exits {
				d.Record(e)
			}
			err := d.Explain(rep)
			if c.want == nil {
				assert.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, faults.ErrUnexplained)
			for _, w := range c.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestDeathsCount(t *testing.T) {
	var d faults.Deaths
	for _, e := range []runtime.WorkerExit{
		{PID: 1, Cause: runtime.ExitCrashed, Signal: syscall.SIGKILL, Status: -1},
		{PID: 2, Cause: runtime.ExitCrashed, Signal: syscall.SIGKILL, Status: -1},
		{PID: 3, Cause: runtime.ExitCrashed, Status: 9},
		{PID: 4, Cause: runtime.ExitKilled, Signal: syscall.SIGKILL, Status: -1, Kill: runtime.Kill{Reason: runtime.KillStopped}},
		{PID: 5, Cause: runtime.ExitStopped, Graceful: true},
	} {
		d.Record(e)
	}
	assert.Equal(t, 2, d.Crashed(syscall.SIGKILL))
	assert.Equal(t, 1, d.Crashed(0))
	assert.Equal(t, 1, d.Killed(runtime.KillStopped))
	assert.Equal(t, 0, d.Killed(runtime.KillHung))
	assert.Equal(t, "    1 crashed: exit status 9\n    2 crashed: killed by signal SIGKILL\n    1 killed: stopped", d.String())
}
