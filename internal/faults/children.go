package faults

import (
	"os"
	"strconv"
	"strings"
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
