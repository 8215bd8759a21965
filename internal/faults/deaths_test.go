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
	killed := runtime.WorkerExit{Worker: 0, PID: 10, Reason: "killed by signal SIGKILL"}
	stopped := runtime.WorkerExit{Worker: 1, PID: 11, Reason: "killed by the master: stopped: no heartbeat for 160ms"}
	for _, c := range []struct {
		name  string
		exits []runtime.WorkerExit
		want  []string // in the error; none: no error
	}{
		{"one to one", []runtime.WorkerExit{stopped, killed, {PID: 12, Graceful: true, Reason: "exit status 0"}}, nil},
		{"a fault unnoticed", []runtime.WorkerExit{killed}, []string{"pid 11 got SIGSTOP and did not die"}},
		{"a death with no fault", []runtime.WorkerExit{killed, stopped,
			{Worker: 1, PID: 13, Reason: "killed by the master: frozen: no heartbeat for 1.6s"}},
			[]string{"worker 1 (pid 13) died with no fault: killed by the master: frozen"}},
		{"the wrong cause", []runtime.WorkerExit{killed, {Worker: 1, PID: 11, Reason: "killed by the master: frozen: no heartbeat for 2s"}},
			[]string{`pid 11 got SIGSTOP but died of "killed by the master: frozen`}},
		{"twice", []runtime.WorkerExit{killed, stopped, killed}, []string{"pid 10 died twice"}},
		{"a graceful exit is no death", []runtime.WorkerExit{killed, {Worker: 1, PID: 11, Graceful: true, Reason: "exit status 0"}},
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
