package faults

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// Children lists the live (not zombie) children of process parent, read
// from /proc; processes that end while it reads are left out. It returns
// nil where /proc cannot be read.
func Children(parent int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	want := strconv.Itoa(parent)
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		f := statFields(pid)
		if len(f) > 1 && f[1] == want && f[0] != "Z" {
			pids = append(pids, pid)
		}
	}
	return pids
}

// statFields returns the fields of /proc/PID/stat from field 3 (the
// state) on, or nil when there is no such process.
func statFields(pid int) []string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')') // the command name may hold spaces
	if i < 0 {
		return nil
	}
	return strings.Fields(s[i+1:])
}

// userHZ is the unit of the times in /proc/PID/stat: USER_HZ, 100 on
// every Linux architecture Go supports.
const userHZ = 100

// Age returns how long process pid has been running, to the 10 ms of
// /proc's clock, and false when there is no such process or /proc cannot
// be read.
func Age(pid int) (time.Duration, bool) {
	f := statFields(pid)
	if len(f) < 20 { // starttime is field 22 of stat, f[19]
		return 0, false
	}
	start, err := strconv.ParseUint(f[19], 10, 64)
	if err != nil {
		return 0, false
	}
	b, err := os.ReadFile("/proc/uptime")
	if err != nil {
		return 0, false
	}
	up, err := strconv.ParseFloat(strings.Fields(string(b) + " 0")[0], 64)
	if err != nil {
		return 0, false
	}
	age := time.Duration(up*float64(time.Second)) - time.Duration(start)*time.Second/userHZ
	return max(age, 0), true
}
