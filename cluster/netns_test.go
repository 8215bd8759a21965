package cluster_test

import (
	"context"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/cluster"
	"github.com/shmrun/shmrun/internal/netns"
	"github.com/shmrun/shmrun/runtime"
)

// TestPartitionNoticedByHeartbeat runs two hosts in network namespaces of
// their own, each behind a veth link, and takes one link down during a
// map: no connection closes, so only the missing heartbeats tell; the
// master gives up on the host within HostTimeout of them, its tasks run
// elsewhere, every result is right, and the cut-off host leaves on its own
// once its master's heartbeats have stopped.
func TestPartitionNoticedByHeartbeat(t *testing.T) {
	if err := netns.Available(); err != nil {
		t.Skip(err)
	}
	lab, err := netns.New("c", 2)
	require.NoError(t, err)
	t.Cleanup(func() {
		assert.NoError(t, lab.Close())
		assert.Empty(t, netns.Leftovers("c"), "namespaces or links left behind")
	})
	const token = "netns-test-token"
	const timeout = 600 * time.Millisecond // a loaded machine (make test) delays heartbeats
	m := startMaster(t, 1, &cluster.Options{Listen: "0.0.0.0:0", Token: token, HostTimeout: timeout})
	u, err := url.Parse(m.c.URL())
	require.NoError(t, err)
	exe, err := os.Executable() // /proc/self/exe would be ip's, in ip netns exec
	require.NoError(t, err)
	var hosts []*hostProc
	for i := range 2 {
		join := "nats://" + lab.MasterIP(i) + ":" + u.Port()
		hosts = append(hosts, startHostCmd(t, lab.Command(i, exe, "-test.run=^$"), join, 1, cluster.EnvToken+"="+token))
	}
	m.waitHosts(t, 2)
	cut := make(chan time.Time, 1)
	type death struct {
		e  runtime.WorkerExit
		at time.Time
	}
	noticed := make(chan death, 1)
	m.pool.OnWorkerExit(func(e runtime.WorkerExit) {
		if e.Host != "" && !e.Graceful {
			select {
			case noticed <- death{e, time.Now()}: // the first
			default:
			}
		}
	})
	slotOf := func(h *hostProc) runtime.HostStats { // ip netns exec execs: the host has its pid
		for _, hs := range m.pool.Stats().Hosts {
			if hs.PID == h.pid() {
				return hs
			}
		}
		return runtime.HostStats{}
	}
	go func() {
		for slotOf(hosts[1]).Tasks < 20 {
			time.Sleep(time.Millisecond)
		}
		if err := lab.Cut(1); err != nil {
			t.Error(err)
		}
		cut <- time.Now()
	}()
	sq, err := runtime.Map(context.Background(), m.pool, slowSquare, ints(10000), &runtime.MapOptions{Chunk: 10})
	require.NoError(t, err)
	for i, v := range sq {
		require.Equal(t, i*i, v)
	}
	var at time.Time
	var d death
	select {
	case at = <-cut:
	case <-time.After(30 * time.Second):
		t.Fatal("the link was never cut")
	}
	select {
	case d = <-noticed:
	case <-time.After(30 * time.Second):
		t.Fatal("the partition was not noticed")
	}
	exit := d.e
	assert.Equal(t, runtime.ExitKilled, exit.Cause)
	assert.Equal(t, runtime.KillUnreachable, exit.Kill.Reason)
	after := d.at.Sub(at)
	assert.Less(t, after, timeout+time.Second, "noticed %v after the cut", after)
	require.True(t, hosts[1].exited(20*time.Second), "the cut-off host did not leave")
	assert.Contains(t, hosts[1].out.String(), "lost the master")
	assert.True(t, slotOf(hosts[0]).Alive, "the host whose link stayed up was given up on too")
	assert.Equal(t, hosts[1].pid(), exit.PID)
	t.Logf("partition noticed %v after the link went down (HostTimeout %v): %v", after.Round(time.Millisecond), timeout, exit)
}
