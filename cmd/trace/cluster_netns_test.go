//go:build shmrun_faults

package main

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/cluster"
	"github.com/shmrun/shmrun/internal/netns"
	"github.com/shmrun/shmrun/runtime"
)

// TestRenderAcrossNamespaces renders 10 frames of 160x90 with two hosts
// in network namespaces of their own, behind veth links (one capped at
// 50 Mbit/s by a token bucket), the master listening beyond loopback with
// a token: the video is the one a single machine renders, byte for byte.
func TestRenderAcrossNamespaces(t *testing.T) {
	if err := netns.Available(); err != nil {
		t.Skip(err)
	}
	common := []string{"-scene", "default", "-size", "160x90", "-frames", "10", "-tile", "32", "-workers", "1"}
	want, _ := renderY4M(t, common, nil, nil)

	lab, err := netns.New("r", 2)
	require.NoError(t, err)
	t.Cleanup(func() {
		assert.NoError(t, lab.Close())
		assert.Empty(t, netns.Leftovers("r"), "namespaces or links left behind")
	})
	require.NoError(t, lab.Limit(1, "50mbit"))
	const token = "netns-render-token"
	port := freePort(t)
	exe, err := os.Executable() // in ip netns exec, /proc/self/exe is ip
	require.NoError(t, err)
	for i := range 2 {
		cmd := lab.Command(i, exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), runtime.EnvJoin+"=nats://"+lab.MasterIP(i)+":"+port, cluster.EnvToken+"="+token, "GOMAXPROCS=1")
		startCmd(t, cmd)
	}
	args := append(common, "-cluster", "0.0.0.0:"+port, "-token", token, "-hosts", "2", "-host-wait", "60s")
	got, st := renderY4M(t, args, nil, nil)
	assert.True(t, bytes.Equal(want, got), "the render across namespaces differs from one machine's")
	require.Len(t, st.Hosts, 2)
	for _, h := range st.Hosts {
		assert.Positive(t, h.Tasks, "host %s rendered nothing", h.Name)
	}
	t.Logf("tiles: local %d, hosts %s %d and %s %d", st.Workers[0].Tasks, st.Hosts[0].Name, st.Hosts[0].Tasks, st.Hosts[1].Name, st.Hosts[1].Tasks)
}

// freePort returns a port that was free a moment ago.
func freePort(t *testing.T) string {
	_, port, err := net.SplitHostPort(freeAddr(t))
	require.NoError(t, err)
	return port
}

// startCmd starts cmd, killed (if still running) when the test ends.
func startCmd(t *testing.T, cmd *exec.Cmd) {
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
		if t.Failed() {
			t.Logf("pid %d:\n%s", cmd.Process.Pid, out.String())
		}
	})
}
