package runtime_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/runtime"
)

// workerView reports what a worker process inherited: its environment and
// where each of its open descriptors leads.
var workerView = runtime.Register("test.workerView", func(_ *runtime.Env, _ int) (inherited, error) {
	v := inherited{Env: os.Environ(), FDs: map[int]string{}}
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return v, err
	}
	for _, e := range ents {
		fd, err := strconv.Atoi(e.Name())
		if err != nil {
			return v, err
		}
		if link, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil {
			v.FDs[fd] = link
		}
	}
	return v, nil
})

type inherited struct {
	Env []string
	FDs map[int]string
}

// documentedEnv is what the package documentation says a worker gets.
var documentedEnv = []string{
	"SHMRUN_WORKER", "SHMRUN_SPIN", "SHMRUN_BUILD", "GOMAXPROCS", "SHMRUN_CPU",
	"PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "TZ",
	"GODEBUG", "GOTRACEBACK", "GOGC", "GOMEMLIMIT", "GORACE", "GOCOVERDIR",
}

func TestWorkerGetsAMinimalEnvironment(t *testing.T) {
	t.Setenv("SHMRUN_TEST_SECRET", "hunter2")
	t.Setenv("TZ", "UTC")
	secret, err := os.Create(filepath.Join(t.TempDir(), "secret"))
	require.NoError(t, err)
	defer secret.Close()
	p := startPool(t, runtime.Options{Workers: 1, Env: []string{"SHMRUN_TEST_EXTRA=1"}})
	v, err := workerView.Run(ctxTimeout(t, 20*time.Second), p, 0)
	require.NoError(t, err)
	t.Logf("worker environment: %q; descriptors: %v", v.Env, v.FDs)

	allowed := append(documentedEnv, "SHMRUN_TEST_EXTRA")
	for _, kv := range v.Env {
		k, _, _ := strings.Cut(kv, "=")
		assert.Contains(t, allowed, k, "undocumented variable %s", kv)
	}
	assert.Contains(t, v.Env, "TZ=UTC", "a listed variable passes")
	assert.Contains(t, v.Env, "SHMRUN_TEST_EXTRA=1", "Options.Env adds")
	assert.Contains(t, v.Env, "GOMAXPROCS=1")
	assert.NotContains(t, v.Env, "SHMRUN_TEST_SECRET=hunter2", "nothing else passes")

	assert.True(t, strings.HasPrefix(v.FDs[3], "/memfd:"), "fd 3 is the arena: %s", v.FDs[3])
	assert.True(t, strings.HasPrefix(v.FDs[4], "pipe:"), "fd 4 is the liveness pipe: %s", v.FDs[4])
	// Past fd 4 are only what the worker's Go runtime opened itself (its
	// poller, cgroup limits): nothing the master held open leaks.
	for fd, link := range v.FDs {
		assert.NotEqual(t, secret.Name(), link, "the master's open file leaked to the worker as fd %d", fd)
	}
}
