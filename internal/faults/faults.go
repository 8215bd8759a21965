// Package faults injects process faults for chaos tests: it SIGKILLs and
// SIGSTOPs processes picked at random, paced by the progress of the work
// under test, so that every fault lands while that work still runs however
// fast or slow the machine is.
//
// A stopped process is left stopped: noticing it (by a heartbeat, say) is
// the job of the code under test. [Report.Survivors] tells a test which
// victims are still there, running, stopped or unreaped. For a shmrun
// pool, [Workers] picks the targets, [AwaitRecovery] checks the pool is
// whole again and a [Tally] logger counts how the faults were noticed.
package faults

import (
	"math/rand/v2"
	"os"
	"strconv"
	"syscall"
	"time"
)

// Count is how many faults a chaos test injects: SHMRUN_CHAOS_FAULTS if it
// is set, else 20 for a short run (short: testing.Short(), as under make
// test and CI), else 100 (make chaos).
func Count(short bool) int {
	if n, err := strconv.Atoi(os.Getenv("SHMRUN_CHAOS_FAULTS")); err == nil {
		return n
	}
	if short {
		return 20
	}
	return 100
}

// Options configures Start.
type Options struct {
	// Faults is how many faults to inject.
	Faults int
	// Seed seeds the choice of victims and signals.
	Seed uint64
	// Targets returns the PIDs that may be hit now (say, the workers that
	// are ready). A PID is hit at most once: a stopped process still looks
	// alive until someone notices.
	Targets func() []int
	// Progress returns how much of the work under test is done, from 0 to
	// 1. Fault i of n (from 1) waits until Progress reaches i/(n+1).
	Progress func() float64
	// Poll is how often Progress and Targets are read; default 1 ms.
	Poll time.Duration
}

// Fault is one injected fault.
type Fault struct {
	PID    int
	Signal syscall.Signal // SIGKILL or SIGSTOP
	At     float64        // the progress when it was injected
	start  string         // the process's start time, to tell a reused PID
}

// Report lists the faults an Injector injected.
type Report struct {
	Faults       []Fault
	Kills, Stops int
}

// Injector injects faults from a goroutine of its own until it has
// injected Options.Faults of them or Stop is called.
type Injector struct {
	o    Options
	rep  Report
	stop chan struct{}
	done chan struct{}
}

// Start starts injecting faults. The caller must call Stop.
func Start(o Options) *Injector {
	if o.Poll <= 0 {
		o.Poll = time.Millisecond
	}
	in := &Injector{o: o, stop: make(chan struct{}), done: make(chan struct{})}
	go in.run()
	return in
}

// Done is closed when the Injector has injected all its faults (or was
// stopped).
func (in *Injector) Done() <-chan struct{} { return in.done }

// Stop ends injection, waits for the injecting goroutine and returns what
// it did. Stop may be called more than once; each call returns the report.
func (in *Injector) Stop() Report {
	select {
	case <-in.stop:
	default:
		close(in.stop)
	}
	<-in.done
	return in.rep
}

func (in *Injector) run() {
	defer close(in.done)
	rng := rand.New(rand.NewPCG(in.o.Seed, 0x5eed))
	hit := map[int]bool{}
	tick := time.NewTicker(in.o.Poll)
	defer tick.Stop()
	for len(in.rep.Faults) < in.o.Faults {
		select {
		case <-in.stop:
			return
		case <-tick.C:
		}
		at := in.o.Progress()
		if at < float64(len(in.rep.Faults)+1)/float64(in.o.Faults+1) {
			continue
		}
		var fresh []int
		for _, pid := range in.o.Targets() {
			if !hit[pid] {
				fresh = append(fresh, pid)
			}
		}
		if len(fresh) == 0 {
			continue
		}
		pid := fresh[rng.IntN(len(fresh))]
		hit[pid] = true
		sig := syscall.SIGKILL
		if rng.IntN(2) == 0 {
			sig = syscall.SIGSTOP
		}
		in.strike(Fault{PID: pid, Signal: sig, At: at, start: startTime(pid)})
	}
}

// strike sends the fault's signal and records it, unless the process was
// already gone.
func (in *Injector) strike(f Fault) {
	if f.start == "" || syscall.Kill(f.PID, f.Signal) != nil {
		return
	}
	in.rep.Faults = append(in.rep.Faults, f)
	if f.Signal == syscall.SIGKILL {
		in.rep.Kills++
	} else {
		in.rep.Stops++
	}
}

// Last returns the progress at which the last fault was injected, 0 if
// none was.
func (r Report) Last() float64 {
	if len(r.Faults) == 0 {
		return 0
	}
	return r.Faults[len(r.Faults)-1].At
}

// Survivors returns the PIDs of the victims that still exist: running,
// still stopped, or dead and not reaped by their parent. A PID the system
// has since given to another process does not count.
func (r Report) Survivors() []int {
	var out []int
	for _, f := range r.Faults {
		if s := startTime(f.PID); s != "" && s == f.start {
			out = append(out, f.PID)
		}
	}
	return out
}

// startTime returns field 22 of /proc/PID/stat, the process's start time
// in clock ticks since boot, or "" when there is no such process.
func startTime(pid int) string {
	f := statFields(pid) // f[0] is field 3, the state
	if len(f) < 20 {
		return ""
	}
	return f[19]
}
