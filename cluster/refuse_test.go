package cluster_test

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/cluster"
)

// TestHostOfAnotherBuildRefused runs a host from a copy of the test binary
// with a byte appended: the same program, another build. The master
// refuses it with a clear error, and the host exits with status 2.
func TestHostOfAnotherBuildRefused(t *testing.T) {
	m := startMaster(t, 1, nil)
	other := filepath.Join(t.TempDir(), "other-build")
	copyFile(t, "/proc/self/exe", other)
	f, err := os.OpenFile(other, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.Write([]byte("another build"))
	require.NoError(t, err)
	require.NoError(t, f.Close())

	h := startHostBinary(t, other, m.c.URL(), 1)
	require.True(t, h.exited(60*time.Second), "the refused host still runs")
	var exit *exec.ExitError
	require.True(t, errors.As(h.err, &exit), "host: %v", h.err)
	assert.Equal(t, 2, exit.ExitCode())
	assert.Contains(t, h.out.String(), "refused this host: host ")
	assert.Contains(t, h.out.String(), "hosts must run the master's binary")
	assert.Empty(t, m.pool.Stats().Hosts)
}

func copyFile(t *testing.T, from, to string) {
	src, err := os.Open(from)
	require.NoError(t, err)
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY, 0o755)
	require.NoError(t, err)
	_, err = io.Copy(dst, src)
	require.NoError(t, err)
	require.NoError(t, dst.Close())
}

// TestTokenRules: a server beyond loopback needs a token, and so does a
// host joining one; a host with the wrong token is refused by the server.
func TestTokenRules(t *testing.T) {
	_, err := cluster.StartServer(cluster.ServerOptions{Listen: "0.0.0.0:0"})
	assert.ErrorIs(t, err, cluster.ErrNoToken)
	err = cluster.Join(context.Background(), "nats://192.0.2.1:4222", nil)
	assert.ErrorIs(t, err, cluster.ErrNoToken)
	assert.Equal(t, 2, cluster.ExitStatus(err))
	err = cluster.Join(context.Background(), "4222", nil)
	assert.ErrorIs(t, err, cluster.ErrAddress)

	m := startMaster(t, 1, &cluster.Options{Token: "s3cret"})
	err = cluster.Join(context.Background(), m.c.URL(), &cluster.HostOptions{Token: "wrong", Wait: time.Second})
	assert.ErrorIs(t, err, cluster.ErrRefused)
	assert.Equal(t, 2, cluster.ExitStatus(err))
	h := startHost(t, m.c.URL(), 1, cluster.EnvToken+"=s3cret")
	m.waitHosts(t, 1)
	_ = h
}

// TestMasterImpostorRefused: a master that does not know the token the
// host was given cannot prove it, and the host leaves.
func TestMasterImpostorRefused(t *testing.T) {
	srv, err := cluster.StartServer(cluster.ServerOptions{Listen: "127.0.0.1:0"})
	require.NoError(t, err)
	t.Cleanup(srv.Close)                                // after the master's
	startMaster(t, 1, &cluster.Options{URL: srv.URL()}) // no token
	err = cluster.Join(context.Background(), srv.URL(), &cluster.HostOptions{Token: "the real one", Wait: 5 * time.Second})
	assert.ErrorIs(t, err, cluster.ErrImpostor)
}
