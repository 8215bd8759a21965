package cluster_test

import (
	"context"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/cluster"
	"github.com/shmrun/shmrun/runtime"
)

// TestInstalledNATSServer runs a cluster through the nats-server found on
// PATH (Debian's is 2.9): a server not of this package's, so the master
// cannot see connections close there, and a host SIGKILLed is given up on
// by its heartbeat instead. Skipped without one.
func TestInstalledNATSServer(t *testing.T) {
	bin, err := exec.LookPath("nats-server")
	if err != nil {
		t.Skip("no nats-server on PATH")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	l.Close()
	const token = "installed-server-token"
	srv := exec.Command(bin, "-a", "127.0.0.1", "-p", addr[strings.LastIndexByte(addr, ':')+1:], "-js", "-sd", filepath.Join(t.TempDir(), "js"), "--auth", token)
	require.NoError(t, srv.Start())
	t.Cleanup(func() { srv.Process.Kill(); srv.Wait() })
	url := "nats://" + addr
	require.Eventually(t, func() bool {
		nc, err := nats.Connect(url, nats.Token(token))
		if err == nil {
			nc.Close()
		}
		return err == nil
	}, 10*time.Second, 20*time.Millisecond, "nats-server did not start")

	const timeout = 400 * time.Millisecond
	m := startMaster(t, 1, &cluster.Options{URL: url, Token: token, HostTimeout: timeout})
	hosts := []*hostProc{startHost(t, url, 1, cluster.EnvToken+"="+token), startHost(t, url, 1, cluster.EnvToken+"="+token)}
	m.waitHosts(t, 2)
	lost := make(chan runtime.WorkerExit, 2)
	m.pool.OnWorkerExit(func(e runtime.WorkerExit) {
		if e.Host != "" && !e.Graceful {
			select {
			case lost <- e:
			default:
			}
		}
	})
	go func() {
		for m.pool.Stats().Hosts[0].Tasks < 20 {
			time.Sleep(time.Millisecond)
		}
		hosts[0].cmd.Process.Kill()
	}()
	sq, err := runtime.Map(context.Background(), m.pool, slowSquare, ints(10000), &runtime.MapOptions{Chunk: 10})
	require.NoError(t, err)
	for i, v := range sq {
		require.Equal(t, i*i, v)
	}
	select {
	case e := <-lost:
		assert.Equal(t, runtime.ExitKilled, e.Cause)
		assert.Equal(t, runtime.KillUnreachable, e.Kill.Reason, "heartbeats alone tell here: %v", e)
	case <-time.After(30 * time.Second):
		t.Fatal("the killed host was not given up on")
	}
	out, _ := exec.Command(bin, "--version").Output()
	t.Logf("%s: a map over 2 hosts, one SIGKILLed and given up on by heartbeat", strings.TrimSpace(string(out)))
}
