package cluster_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/cluster"
	"github.com/shmrun/shmrun/runtime"
)

// TestMain makes the test binary its own worker and its own host: a pool
// re-executes it as a worker, and a test starts it with SHMRUN_JOIN as a
// host, which runtime.Main turns into one (package cluster's hook).
func TestMain(m *testing.M) {
	runtime.Main()
	if os.Getenv(envTestMaster) != "" {
		os.Exit(runMaster())
	}
	os.Exit(m.Run())
}

// The kernels the tests run, registered identically in every process.
var (
	square = runtime.Register("cluster.square", func(_ *runtime.Env, x int) (int, error) {
		return x * x, nil
	}).Remote(nil)

	// where says which host ran it: its pid.
	where = runtime.Register("cluster.where", func(_ *runtime.Env, x int) (int, error) {
		return os.Getppid(), nil
	}).Remote(nil)
)

// master is a pool with a cluster on loopback, closed with the test.
type master struct {
	pool *runtime.Pool
	c    *cluster.Cluster
}

func startMaster(t testing.TB, workers int, o *cluster.Options) *master {
	t.Helper()
	ctx := context.Background()
	pool, err := runtime.Start(ctx, &runtime.Options{Workers: workers, ArenaSize: 8 << 20})
	require.NoError(t, err)
	if o == nil {
		o = &cluster.Options{}
	}
	if o.Listen == "" && o.URL == "" {
		o.Listen = "127.0.0.1:0"
	}
	c, err := cluster.Serve(ctx, pool, o)
	if err != nil {
		pool.Close(ctx)
	}
	require.NoError(t, err)
	m := &master{pool: pool, c: c}
	t.Cleanup(m.close)
	return m
}

func (m *master) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	m.pool.Close(ctx)
	m.c.Close()
}

// hostProc is a host process of the test binary.
type hostProc struct {
	cmd  *exec.Cmd
	out  *lockedBuffer
	done chan struct{}
	err  error
}

// lockedBuffer collects a process's output for the test's log.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startHost starts a host of workers workers joining url; it is killed,
// if still running, when the test ends.
func startHost(t testing.TB, url string, workers int, env ...string) *hostProc {
	t.Helper()
	return startHostBinary(t, "/proc/self/exe", url, workers, env...)
}

func startHostBinary(t testing.TB, bin, url string, workers int, env ...string) *hostProc {
	t.Helper()
	return startHostCmd(t, exec.Command(bin, "-test.run=^$"), url, workers, env...)
}

// startHostCmd starts cmd, which runs this test binary, as a host.
func startHostCmd(t testing.TB, cmd *exec.Cmd, url string, workers int, env ...string) *hostProc {
	t.Helper()
	h := &hostProc{cmd: cmd, out: &lockedBuffer{}, done: make(chan struct{})}
	h.cmd.Env = append(os.Environ(), runtime.EnvJoin+"="+url, "GOMAXPROCS="+strconv.Itoa(workers))
	h.cmd.Env = append(h.cmd.Env, env...)
	h.cmd.Stdout, h.cmd.Stderr = h.out, h.out
	require.NoError(t, h.cmd.Start())
	go func() {
		h.err = h.cmd.Wait()
		close(h.done)
	}()
	t.Cleanup(func() {
		h.cmd.Process.Signal(syscall.SIGCONT)
		h.cmd.Process.Kill()
		<-h.done
		if t.Failed() {
			t.Logf("host %d: %v\n%s", h.cmd.Process.Pid, h.err, h.out)
		}
	})
	return h
}

func (h *hostProc) pid() int { return h.cmd.Process.Pid }

// exited waits up to d for the host to exit and reports whether it did.
func (h *hostProc) exited(d time.Duration) bool {
	select {
	case <-h.done:
		return true
	case <-time.After(d):
		return false
	}
}

// waitHosts waits for n hosts to join, failing the test after 60 s.
func (m *master) waitHosts(t testing.TB, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	got := m.c.WaitHosts(ctx, n)
	require.Equal(t, n, got, "hosts joined")
}

func ints(n int) []int {
	xs := make([]int, n)
	for i := range xs {
		xs[i] = i
	}
	return xs
}

func describe(st runtime.Stats) string {
	s := ""
	for _, h := range st.Hosts {
		s += fmt.Sprintf("[%s alive=%v tasks=%d] ", h.Name, h.Alive, h.Tasks)
	}
	return s
}
