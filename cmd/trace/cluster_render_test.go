//go:build shmrun_faults

package main

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/cluster"
	"github.com/shmrun/shmrun/runtime"
)

// freeAddr returns a loopback address with a port free a moment ago.
func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().String()
}

// startHost starts this test binary as a host of one worker joining
// nats://addr; it is killed, if still running, when the test ends.
func startHost(t *testing.T, addr string) *exec.Cmd {
	cmd := exec.Command("/proc/self/exe", "-test.run=^$")
	cmd.Env = append(os.Environ(), runtime.EnvJoin+"=nats://"+addr, "GOMAXPROCS=1")
	startCmd(t, cmd)
	return cmd
}

// TestRenderOverHostsOneKilled renders 20 frames of 160x90 with one local
// worker and two hosts, SIGKILLs one host while frames are in flight, and
// gets the video a single machine renders, byte for byte; -stats counts
// the hosts and their tiles.
func TestRenderOverHostsOneKilled(t *testing.T) {
	common := []string{"-scene", "default", "-size", "160x90", "-frames", "20", "-tile", "32", "-workers", "1"}
	want, _ := renderY4M(t, common, nil, nil)

	addr := freeAddr(t)
	hosts := []*exec.Cmd{startHost(t, addr), startHost(t, addr)}
	args := append(common, "-cluster", addr, "-hosts", "2", "-host-wait", "60s")
	var killedAt uint64
	var keys map[string]any
	got, st := renderY4M(t, args, nil, func(s *session) func() {
		victim := hosts[0].Process.Pid
		go func() {
			for {
				for _, h := range s.pool.Stats().Hosts {
					if h.PID == victim && h.Tasks >= 10 {
						killedAt = h.Tasks
						hosts[0].Process.Kill()
						return
					}
				}
				time.Sleep(time.Millisecond)
			}
		}()
		return func() { keys = s.statsKeys() }
	})
	assert.True(t, bytes.Equal(want, got), "the render over hosts differs from one machine's")
	require.Len(t, st.Hosts, 2)
	var lost, rendered int
	for _, h := range st.Hosts {
		if !h.Alive {
			lost++
		}
		if h.Tasks > 0 {
			rendered++
		}
	}
	assert.Equal(t, 1, lost, "one host lost: %+v", st.Hosts)
	assert.Equal(t, 2, rendered, "both hosts rendered tiles: %+v", st.Hosts)
	assert.Positive(t, killedAt)

	b, err := json.Marshal(keys["hosts"])
	require.NoError(t, err)
	var hs struct {
		Joined, Lost int
		PerHost      []struct {
			Host  string
			Tiles uint64
			Alive bool
		} `json:"per_host"`
	}
	require.NoError(t, json.Unmarshal(b, &hs))
	assert.Equal(t, 2, hs.Joined)
	assert.Equal(t, 1, hs.Lost)
	require.Len(t, hs.PerHost, 2)
	t.Logf("-stats hosts: %s (the victim SIGKILLed after %s tiles)", b, strconv.FormatUint(killedAt, 10))
}

// TestStoppedHostIsHedged SIGSTOPs one of two hosts during a 30-frame
// render whose HostTimeout is 20 s: only hedging can save the frames that
// hold its tiles. The stopped host's overdue tiles run again on the local
// worker, the pool sends it nothing more, and the render ends long before
// the heartbeat would have given up on the host, byte-identical to one
// machine's.
func TestStoppedHostIsHedged(t *testing.T) {
	common := []string{"-scene", "default", "-size", "160x90", "-frames", "30", "-tile", "32", "-workers", "1"}
	want, _ := renderY4M(t, common, nil, nil)
	adjustCluster = func(o *cluster.Options) { o.HostTimeout = 20 * time.Second }
	defer func() { adjustCluster = nil }()
	addr := freeAddr(t)
	hosts := []*exec.Cmd{startHost(t, addr), startHost(t, addr)}
	args := append(common, "-cluster", addr, "-hosts", "2", "-host-wait", "60s")
	var stoppedAt time.Time
	var latency []float64
	start := time.Now()
	got, st := renderY4M(t, args, nil, func(s *session) func() {
		victim := hosts[0].Process.Pid
		go func() {
			for {
				for _, h := range s.pool.Stats().Hosts {
					if h.PID == victim && h.Tasks >= 10 {
						stoppedAt = time.Now()
						hosts[0].Process.Signal(syscall.SIGSTOP)
						return
					}
				}
				time.Sleep(time.Millisecond)
			}
		}()
		return func() { latency = s.last.stats.latency }
	})
	took := time.Since(start)
	hosts[0].Process.Signal(syscall.SIGCONT)
	assert.True(t, bytes.Equal(want, got), "the render with a stopped host differs from one machine's")
	require.False(t, stoppedAt.IsZero(), "the host was never stopped")
	assert.Positive(t, st.Hedges, "nothing was hedged")
	assert.Less(t, took, 15*time.Second, "the render waited for the stopped host")
	worst := 0.0
	for _, l := range latency {
		worst = max(worst, l)
	}
	t.Logf("a host SIGSTOPped mid-render (HostTimeout 20 s): %d tiles hedged, the render took %v, frames p50 %.0f ms, the worst %.0f ms",
		st.Hedges, took.Round(time.Millisecond), percentile(latency, 50), worst)
}

// TestPatternOverHostsIsOneMachinesBytes renders frames that fill from the
// frame before over two hosts: a host's tile reads the previous frame's
// pixels and G-buffer, which travel with it, and writes its rectangle of
// the G-buffer back, so the frames are one machine's, byte for byte.
func TestPatternOverHostsIsOneMachinesBytes(t *testing.T) {
	common := []string{"-scene", "default", "-size", "160x90", "-frames", "8", "-tile", "32", "-workers", "1", "-pattern", "quarter"}
	want, _ := renderY4M(t, common, nil, nil)
	addr := freeAddr(t)
	startHost(t, addr)
	startHost(t, addr)
	got, st := renderY4M(t, append(common, "-cluster", addr, "-hosts", "2", "-host-wait", "60s"), nil, nil)
	assert.True(t, bytes.Equal(want, got), "the render over hosts differs from one machine's")
	rendered := 0
	for _, h := range st.Hosts {
		if h.Tasks > 0 {
			rendered++
		}
	}
	assert.Positive(t, rendered, "a host rendered tiles: %+v", st.Hosts)
}
