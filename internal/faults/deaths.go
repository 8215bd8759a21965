package faults

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/shmrun/shmrun/runtime"
)

// ErrUnexplained is returned by [Deaths.Explain] when the deaths of a
// pool's workers and the faults injected into them do not match one to
// one.
var ErrUnexplained = errors.New("faults: deaths and faults do not match")

// Deaths records the exits of a pool's worker processes; subscribe it with
// p.OnWorkerExit(d.Record) before the first fault. Its zero value is
// ready; it is safe for concurrent use.
type Deaths struct {
	mu    sync.Mutex
	exits []runtime.WorkerExit
}

// Record notes one worker exit.
func (d *Deaths) Record(e runtime.WorkerExit) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.exits = append(d.exits, e)
}

// Explain checks that the recorded deaths are the faults of rep, one to
// one: every victim died once, of its fault (a SIGKILLed one by the
// signal, a SIGSTOPped one killed by the pool as stopped), and no other
// worker died. Graceful exits are not deaths. Call it once the pool has
// handled every victim ([AwaitRecovery]). The error, wrapping
// ErrUnexplained, lists every mismatch.
func (d *Deaths) Explain(rep Report) error {
	faults := map[int]Fault{}
	for _, f := range rep.Faults {
		faults[f.PID] = f
	}
	var bad []string
	died := map[int]bool{}
	d.mu.Lock()
	for _, e := range d.exits {
		if e.Graceful {
			continue
		}
		f, hit := faults[e.PID]
		switch {
		case !hit:
			bad = append(bad, fmt.Sprintf("worker %d (pid %d) died with no fault: %s", e.Worker, e.PID, e.Reason))
		case died[e.PID]:
			bad = append(bad, fmt.Sprintf("pid %d died twice: %s", e.PID, e.Reason))
		case !strings.HasPrefix(e.Reason, cause(f.Signal)):
			bad = append(bad, fmt.Sprintf("pid %d got %s but died of %q", e.PID, unix.SignalName(f.Signal), e.Reason))
		}
		died[e.PID] = true
	}
	d.mu.Unlock()
	for _, f := range rep.Faults {
		if !died[f.PID] {
			bad = append(bad, fmt.Sprintf("pid %d got %s and did not die", f.PID, unix.SignalName(f.Signal)))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("%w: %s", ErrUnexplained, strings.Join(bad, "; "))
	}
	return nil
}

// cause is how a pool reports the death of a worker hit by sig.
func cause(sig syscall.Signal) string {
	if sig == syscall.SIGKILL {
		return "killed by signal SIGKILL"
	}
	return "killed by the master: stopped: "
}
