package cluster_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/cluster"
	"github.com/shmrun/shmrun/internal/faults"
	"github.com/shmrun/shmrun/runtime"
)

// TestGarbageFromAHostIsRefused poses as a host and answers with garbage,
// then with a well-formed answer to a task the host was never sent: the
// master gives up on the host for the garbage (as it kills a worker that
// writes what no correct worker writes), runs its tasks elsewhere, and
// never panics.
func TestGarbageFromAHostIsRefused(t *testing.T) {
	m := startMaster(t, 1, nil)
	var deaths faults.Deaths
	m.pool.OnWorkerExit(deaths.Record)
	startHost(t, m.c.URL(), 1)
	m.waitHosts(t, 1)
	name := m.pool.Stats().Hosts[0].Name
	nc, err := nats.Connect(m.c.URL())
	require.NoError(t, err)
	defer nc.Close()
	require.NoError(t, nc.Publish(cluster.DoneSubject(m.c, name), []byte("\x10\x00\x00\x00garbage that is no flatbuffer")))
	require.NoError(t, nc.Flush())
	require.Eventually(t, func() bool { return !m.pool.Stats().Hosts[0].Alive }, 10*time.Second, time.Millisecond)
	assert.Equal(t, 1, deaths.Killed(runtime.KillProtocol), "%s", &deaths)
	sq, err := runtime.Map(context.Background(), m.pool, square, ints(100), nil)
	require.NoError(t, err)
	assert.Equal(t, 99*99, sq[99])
}
