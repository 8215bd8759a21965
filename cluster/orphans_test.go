package cluster_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/cluster"
	"github.com/shmrun/shmrun/runtime"
)

// envTestMaster makes the test binary a master process (runMaster) that
// waits for that many hosts, for the tests that kill their master;
// envTestURL, if set, is the server it uses.
const (
	envTestMaster = "SHMRUN_TEST_CLUSTER_MASTER"
	envTestURL    = "SHMRUN_TEST_CLUSTER_URL"
)

// runMaster is a master that prints its URL, waits for the hosts
// envTestMaster says (on the server envTestURL says, if set, else on an
// embedded one), says "ready" and maps forever, until it is killed.
func runMaster() int {
	ctx := context.Background()
	hosts, _ := strconv.Atoi(os.Getenv(envTestMaster))
	pool, err := runtime.Start(ctx, &runtime.Options{Workers: 1})
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	// A second, not less: under -race on a loaded 2-core machine a host's
	// heartbeat was seen 212 ms late, and the master gave up on a healthy
	// host before the test looked at its workers. The tests notice their
	// master's death by its connection closing, or (an external server)
	// by its heartbeat stopping for twice this.
	c, err := cluster.Serve(ctx, pool, &cluster.Options{Listen: "127.0.0.1:0", URL: os.Getenv(envTestURL), HostTimeout: time.Second})
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	fmt.Println("url", c.URL())
	c.WaitHosts(ctx, hosts)
	runtime.Map(ctx, pool, square, ints(100), &runtime.MapOptions{Chunk: 1}) // the hosts know they joined
	fmt.Println("ready")
	for {
		runtime.Map(ctx, pool, slowSquare, ints(1000), nil)
	}
}

// TestNoHostOutlivesItsMaster SIGKILLs a master whose two hosts are busy:
// the hosts notice their connection close (the embedded server died with
// the master) and exit, and their worker processes with them.
func TestNoHostOutlivesItsMaster(t *testing.T) {
	cmd, url, ready := startMasterProc(t, 2, "")
	hosts := []*hostProc{startHost(t, url, 2), startHost(t, url, 1)}
	ready()
	time.Sleep(200 * time.Millisecond) // the hosts run tasks
	var workers []int
	for _, h := range hosts {
		kids := children(h.pid())
		require.NotEmpty(t, kids, "host %d has no worker processes", h.pid())
		workers = append(workers, kids...)
	}
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	killed := time.Now()
	for _, h := range hosts {
		require.True(t, h.exited(10*time.Second), "host %d outlived its master by 10 s", h.pid())
	}
	gone := time.Since(killed)
	require.Eventually(t, func() bool {
		for _, pid := range workers {
			if syscall.Kill(pid, 0) == nil && !zombie(pid) {
				return false
			}
		}
		return true
	}, 10*time.Second, 5*time.Millisecond, "host workers %v outlived their hosts", workers)
	for _, h := range hosts {
		assert.Contains(t, h.out.String(), "lost the master")
	}
	t.Logf("hosts gone %v after their master's SIGKILL", gone.Round(time.Millisecond))
}

// children lists the child processes of pid, whichever of its threads
// started them.
func children(pid int) []int {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	var kids []int
	for _, task := range tasks {
		b, _ := os.ReadFile(task)
		for _, f := range strings.Fields(string(b)) {
			if n, err := strconv.Atoi(f); err == nil {
				kids = append(kids, n)
			}
		}
	}
	return kids
}

// zombie reports whether pid is dead and not yet reaped.
func zombie(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i > 0 && i+2 < len(s) && s[i+2] == 'Z'
}

// startMasterProc starts runMaster in a process of its own, waiting for
// hosts hosts on the server at url ("": an embedded one), and returns it,
// the URL hosts join, and a function that waits for its "ready". It is
// killed when the test ends.
func startMasterProc(t *testing.T, hosts int, url string) (*exec.Cmd, string, func()) {
	cmd := exec.Command("/proc/self/exe", "-test.run=^$")
	cmd.Env = append(os.Environ(), envTestMaster+"="+strconv.Itoa(hosts), envTestURL+"="+url)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := bufio.NewScanner(out)
	require.True(t, lines.Scan())
	joinURL, ok := strings.CutPrefix(lines.Text(), "url ")
	require.True(t, ok, "master said %q", lines.Text())
	ready := make(chan bool, 1)
	go func() { ready <- lines.Scan() && lines.Text() == "ready" }()
	return cmd, joinURL, func() {
		t.Helper()
		select {
		case ok := <-ready:
			require.True(t, ok)
		case <-time.After(60 * time.Second):
			t.Fatal("the hosts did not join")
		}
	}
}

// TestHostRejoinsTheNextMaster: a host with Rejoin outlives a master
// SIGKILLed on an external server (its heartbeat stops) and joins the
// next master there; that one's Close ends it.
func TestHostRejoinsTheNextMaster(t *testing.T) {
	srv, err := cluster.StartServer(cluster.ServerOptions{Listen: "127.0.0.1:0"})
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	first, url, ready := startMasterProc(t, 1, srv.URL())
	left := make(chan error, 1)
	go func() {
		left <- cluster.Join(context.Background(), url, &cluster.HostOptions{Workers: 1, Rejoin: true})
	}()
	ready()
	require.NoError(t, first.Process.Kill())
	m := startMaster(t, 1, &cluster.Options{URL: srv.URL()})
	m.waitHosts(t, 1)
	sq, err := runtime.Map(context.Background(), m.pool, square, ints(100), &runtime.MapOptions{Chunk: 1})
	require.NoError(t, err)
	assert.Equal(t, 99*99, sq[99])
	m.close()
	select {
	case err := <-left:
		assert.NoError(t, err, "the second master ended the session")
	case <-time.After(30 * time.Second):
		t.Fatal("the host did not leave its second master")
	}
}
