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

// envTestMaster makes the test binary a master process (runMaster) for
// TestNoHostOutlivesItsMaster.
const envTestMaster = "SHMRUN_TEST_CLUSTER_MASTER"

// runMaster is a master that prints its URL, waits for two hosts, says
// "ready" and maps forever, until it is killed.
func runMaster() int {
	ctx := context.Background()
	pool, err := runtime.Start(ctx, &runtime.Options{Workers: 1})
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	c, err := cluster.Serve(ctx, pool, &cluster.Options{Listen: "127.0.0.1:0"})
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	fmt.Println("url", c.URL())
	c.WaitHosts(ctx, 2)
	fmt.Println("ready")
	for {
		runtime.Map(ctx, pool, slowSquare, ints(1000), nil)
	}
}

// TestNoHostOutlivesItsMaster SIGKILLs a master whose two hosts are busy:
// the hosts notice their connection close (the embedded server died with
// the master) and exit, and their worker processes with them.
func TestNoHostOutlivesItsMaster(t *testing.T) {
	cmd := exec.Command("/proc/self/exe", "-test.run=^$")
	cmd.Env = append(os.Environ(), envTestMaster+"=1")
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	lines := bufio.NewScanner(out)
	require.True(t, lines.Scan())
	url, ok := strings.CutPrefix(lines.Text(), "url ")
	require.True(t, ok, "master said %q", lines.Text())
	hosts := []*hostProc{startHost(t, url, 2), startHost(t, url, 1)}
	ready := make(chan bool, 1)
	go func() { ready <- lines.Scan() && lines.Text() == "ready" }()
	select {
	case ok := <-ready:
		require.True(t, ok)
	case <-time.After(60 * time.Second):
		t.Fatal("the hosts did not join")
	}
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
