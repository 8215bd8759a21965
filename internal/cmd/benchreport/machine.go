package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// machine describes where the figures were measured.
type machine struct {
	cpu        string
	cores      int
	gomaxprocs int
	memory     string
	kernel     string
	goVersion  string
	date       time.Time
	// loadStart and loadEnd are /proc/loadavg's 1, 5 and 15 minute
	// averages when the run started and ended.
	loadStart, loadEnd string
}

func describeMachine(now time.Time) machine {
	return machine{
		cpu:        procField("/proc/cpuinfo", "model name"),
		cores:      runtime.NumCPU(),
		gomaxprocs: runtime.GOMAXPROCS(0),
		memory:     memTotal(procField("/proc/meminfo", "MemTotal")),
		kernel:     kernel(),
		goVersion:  runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH,
		date:       now,
		loadStart:  loadAverage(),
	}
}

// procField returns the value of the first "name: value" line of a /proc
// file, or "unknown".
func procField(path, name string) string {
	f, err := os.Open(path)
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == name {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// memTotal turns MemTotal's "24684084 kB" into "23.5 GiB".
func memTotal(v string) string {
	kb, err := strconv.ParseFloat(strings.TrimSuffix(v, " kB"), 64)
	if err != nil {
		return v
	}
	return fmt.Sprintf("%.1f GiB", kb/(1<<20))
}

func kernel() string {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return runtime.GOOS + " (release unknown)"
	}
	return runtime.GOOS + " " + strings.TrimSpace(string(b))
}

// loadAverage returns the 1, 5 and 15 minute load averages, or "unknown".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
