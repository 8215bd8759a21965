package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// memLimit is memory this process may still take, and where the figure
// comes from, for the error that refuses a size.
type memLimit struct {
	bytes  int64
	source string
}

// memAvailable returns the memory available to this process, or ok false
// when it cannot tell. It is a variable so that tests can pretend to run
// on a smaller machine.
var memAvailable = systemMemAvailable

// systemMemAvailable reads MemAvailable from /proc/meminfo, lowered to
// what the memory limits of the process's cgroup (v2) leave, if any is
// lower: in a container, /proc/meminfo counts the whole machine.
func systemMemAvailable() (memLimit, bool) {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return memLimit{}, false
	}
	kb, ok := parseMemAvailable(b)
	if !ok {
		return memLimit{}, false
	}
	lim := memLimit{kb << 10, "MemAvailable in /proc/meminfo"}
	if cg, ok := cgroupMemLeft(); ok && cg.bytes < lim.bytes {
		lim = cg
	}
	return lim, true
}

// parseMemAvailable returns the MemAvailable figure of a /proc/meminfo
// text, in kB.
func parseMemAvailable(meminfo []byte) (kb int64, ok bool) {
	sc := bufio.NewScanner(bytes.NewReader(meminfo))
	for sc.Scan() {
		rest, found := strings.CutPrefix(sc.Text(), "MemAvailable:")
		if !found {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return 0, false
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || n < 0 || n > 1<<52 { // 4 EiB: beyond, the shift to bytes would overflow
			return 0, false
		}
		return n, true
	}
	return 0, false
}

// cgroupMemLeft returns the least that memory.max - memory.current leaves
// in this process's cgroup v2 and its ancestors, or ok false when none of
// them has a limit (or there is no cgroup v2).
func cgroupMemLeft() (memLimit, bool) {
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return memLimit{}, false
	}
	var dir string
	for line := range strings.Lines(string(b)) {
		if p, ok := strings.CutPrefix(strings.TrimSpace(line), "0::"); ok {
			dir = p
		}
	}
	if dir == "" {
		return memLimit{}, false
	}
	var best memLimit
	found := false
	for d := filepath.Join("/sys/fs/cgroup", dir); strings.HasPrefix(d, "/sys/fs/cgroup"); d = filepath.Dir(d) {
		limit, err1 := readCgroupInt(filepath.Join(d, "memory.max"))
		used, err2 := readCgroupInt(filepath.Join(d, "memory.current"))
		if err1 == nil && err2 == nil && (!found || limit-used < best.bytes) {
			best = memLimit{max(limit-used, 0), fmt.Sprintf("what memory.max leaves in cgroup %s", d)}
			found = true
		}
		if d == "/sys/fs/cgroup" {
			break
		}
	}
	return best, found
}

// readCgroupInt reads a cgroup file holding a number; "max" (no limit)
// is an error.
func readCgroupInt(path string) (int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
}

// checkMemory refuses a run whose arena, need bytes of shared memory,
// would not fit in the memory available: the frame buffers are touched
// in full, so an arena larger than that would push the machine into swap
// or the OOM killer rather than fail.
func checkMemory(cfg config, need int) error {
	lim, ok := memAvailable()
	if !ok || int64(need) <= lim.bytes {
		return nil
	}
	return fmt.Errorf("-size %dx%d needs %d MiB of shared memory, more than the %d MiB available (%s)",
		cfg.w, cfg.h, need>>20, lim.bytes>>20, lim.source)
}
