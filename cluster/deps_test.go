package cluster_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNATSStaysInCluster: a program that does not import cluster links no
// NATS. The packages a shmrun program builds on (runtime, proxy, ring,
// arena) depend on none of it; cluster does.
func TestNATSStaysInCluster(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command to list the dependencies with")
	}
	deps := func(pkgs ...string) string {
		out, err := exec.Command("go", append([]string{"list", "-deps"}, pkgs...)...).CombinedOutput()
		require.NoError(t, err, "%s", out)
		return string(out)
	}
	core := deps("github.com/shmrun/shmrun/runtime", "github.com/shmrun/shmrun/proxy",
		"github.com/shmrun/shmrun/ring", "github.com/shmrun/shmrun/arena")
	assert.NotContains(t, core, "nats-io")
	assert.NotContains(t, core, "github.com/shmrun/shmrun/cluster")
	assert.True(t, strings.Contains(deps("github.com/shmrun/shmrun/cluster"), "github.com/nats-io/nats-server/v2/server"))
}
