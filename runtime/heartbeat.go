package runtime

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"time"
)

// quiet is what the heartbeat watcher remembers of a worker process whose
// heartbeat went stale: which process, and the CPU time it had used when
// the watcher first saw it so.
type quiet struct {
	pid int
	cpu time.Duration
}

// silent says why a worker process whose heartbeat is age old must be
// killed, if it must.
//
// A stale heartbeat alone does not tell a stopped or hung worker from a
// healthy one that the machine has not run for a while: under load (a load
// average of 10 on 2 cores, a nice 19 test run next to builds) a worker's
// heartbeat goroutine can wait for a CPU longer than a short
// HeartbeatTimeout, and killing it for that re-runs its tasks for nothing
// and loads the machine more. So the watcher asks the kernel: a process
// that is stopped is killed at once; one that is not is killed once it has
// used HeartbeatTimeout of CPU time since its heartbeat was seen stale,
// time in which its heartbeat goroutine would have run had the process not
// hung. One waiting for a CPU uses next to none.
func (l *procLive) silent(age time.Duration) (Kill, bool) {
	limit := l.b.p.opts.HeartbeatTimeout
	q, pid := &l.slot.quiet, l.proc.pid
	if age <= limit {
		*q = quiet{}
		return Kill{}, false
	}
	st, ok := readProcStat(pid)
	ms := age.Round(time.Millisecond)
	switch {
	case !ok: // gone: its reaper deals with it
	case st.stopped:
		return Kill{KillStopped, fmt.Sprintf("no heartbeat for %v", ms)}, true
	case q.pid != pid:
		*q = quiet{pid: pid, cpu: st.cpu}
	case st.cpu-q.cpu >= limit:
		return Kill{KillHung, fmt.Sprintf("no heartbeat for %v, though it ran %v meanwhile", ms, st.cpu-q.cpu)}, true
	}
	return Kill{}, false
}

// procStat is what the heartbeat watcher reads of a process.
type procStat struct {
	stopped bool          // by a stop signal (state T) or a debugger (t)
	cpu     time.Duration // user and system time of all its threads
}

// clockTicks is the unit of the times in /proc/PID/stat: USER_HZ, 100 on
// every Linux architecture Go supports.
const clockTicks = 100

// readProcStat reads /proc/PID/stat; ok is false when it cannot. pid must
// be a child the master has not reaped, so that it names no other process.
func readProcStat(pid int) (st procStat, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return st, false
	}
	i := bytes.LastIndexByte(b, ')') // the command name may hold spaces and parentheses
	if i < 0 {
		return st, false
	}
	f := bytes.Fields(b[i+1:]) // f[0] is field 3, the state; utime and stime are fields 14 and 15
	if len(f) < 13 || len(f[0]) != 1 {
		return st, false
	}
	utime, err1 := strconv.ParseUint(string(f[11]), 10, 64)
	stime, err2 := strconv.ParseUint(string(f[12]), 10, 64)
	if err1 != nil || err2 != nil {
		return st, false
	}
	st.stopped = f[0][0] == 'T' || f[0][0] == 't'
	st.cpu = time.Duration(utime+stime) * (time.Second / clockTicks)
	return st, true
}
