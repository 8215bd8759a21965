package faults

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
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
// p.OnWorkerExit(d.Record) before the first fault. It matches them with
// the faults injected (Explain) and counts them by how they ended (Killed,
// Crashed), by the exits' values. Its zero value is ready; it is safe for
// concurrent use.
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
			bad = append(bad, fmt.Sprintf("worker %d (pid %d) died with no fault: %v", e.Worker, e.PID, e))
		case died[e.PID]:
			bad = append(bad, fmt.Sprintf("pid %d died twice: %v", e.PID, e))
		case !diedOf(e, f.Signal):
			bad = append(bad, fmt.Sprintf("pid %d got %s but died of %q", e.PID, unix.SignalName(f.Signal), e))
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

// diedOf reports whether e is how a pool reports the death of a worker hit
// by sig: a SIGKILLed worker crashed of the signal, a SIGSTOPped one was
// killed by the master as stopped. A remote host hit by SIGKILL is lost
// (its connection closed), and one hit by SIGSTOP killed as unreachable.
func diedOf(e runtime.WorkerExit, sig syscall.Signal) bool {
	if e.Host != "" {
		if sig == syscall.SIGKILL {
			return e.Cause == runtime.ExitCrashed && e.Lost != ""
		}
		return e.Cause == runtime.ExitKilled && e.Kill.Reason == runtime.KillUnreachable
	}
	if sig == syscall.SIGKILL {
		return e.Cause == runtime.ExitCrashed && e.Signal == syscall.SIGKILL
	}
	return e.Cause == runtime.ExitKilled && e.Kill.Reason == runtime.KillStopped
}

// Killed returns how many workers the master killed for reason r.
func (d *Deaths) Killed(r runtime.KillReason) int {
	return d.count(func(e runtime.WorkerExit) bool { return e.Cause == runtime.ExitKilled && e.Kill.Reason == r })
}

// Crashed returns how many workers ended on their own by signal sig, or,
// with sig 0, with a non-zero exit status.
func (d *Deaths) Crashed(sig syscall.Signal) int {
	return d.count(func(e runtime.WorkerExit) bool { return e.Cause == runtime.ExitCrashed && e.Signal == sig })
}

func (d *Deaths) count(match func(runtime.WorkerExit) bool) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, e := range d.exits {
		if !e.Graceful && match(e) {
			n++
		}
	}
	return n
}

// String counts the deaths by how they ended, a line each ("    3
// crashed: killed by signal SIGKILL", "    2 killed: stopped"), sorted.
func (d *Deaths) String() string {
	counts := map[string]int{}
	d.mu.Lock()
	for _, e := range d.exits {
		if e.Graceful {
			continue
		}
		key := e.Cause.String() + ": "
		switch {
		case e.Cause == runtime.ExitKilled:
			key += e.Kill.Reason.String()
		case e.Lost != "":
			key += "host lost"
		case e.Signal != 0:
			key += "killed by signal " + unix.SignalName(e.Signal)
		default:
			key += "exit status " + strconv.Itoa(e.Status)
		}
		counts[key]++
	}
	d.mu.Unlock()
	lines := make([]string, 0, len(counts))
	for k, n := range counts {
		lines = append(lines, fmt.Sprintf("%5d %s", n, k))
	}
	slices.SortFunc(lines, func(a, b string) int { return strings.Compare(a[6:], b[6:]) })
	return strings.Join(lines, "\n")
}
