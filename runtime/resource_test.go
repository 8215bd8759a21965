package runtime_test

import (
	"bufio"
	"os"
	"os/exec"
	goruntime "runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/runtime"
)

type usage struct {
	fds, goroutines int
	heap            uint64
}

func measure(t *testing.T) usage {
	t.Helper()
	goruntime.GC()
	goruntime.GC()
	var ms goruntime.MemStats
	goruntime.ReadMemStats(&ms)
	fds, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	return usage{fds: len(fds), goroutines: goruntime.NumGoroutine(), heap: ms.HeapInuse}
}

func TestNoLeaksAcrossRestarts(t *testing.T) {
	restarts := 1000
	if testing.Short() {
		restarts = 100
	}
	p := startPool(t, runtime.Options{Workers: 1, Stderr: discard{}})
	ctx := ctxTimeout(t, 10*time.Minute)
	crashOnce := func() {
		v, err := crashFirst.Run(ctx, p, 1)
		require.NoError(t, err)
		require.Equal(t, 1001, v)
	}
	crashOnce()
	time.Sleep(50 * time.Millisecond) // let the first replacement settle
	first := measure(t)
	for range restarts - 1 {
		crashOnce()
	}
	time.Sleep(50 * time.Millisecond)
	last := measure(t)
	s := p.Stats()
	t.Logf("after %d restarts: fds %d -> %d, goroutines %d -> %d, heap %d KiB -> %d KiB",
		s.Workers[0].Restarts, first.fds, last.fds, first.goroutines, last.goroutines, first.heap>>10, last.heap>>10)
	assert.Equal(t, restarts, s.Workers[0].Restarts)
	assert.Equal(t, first.fds, last.fds, "file descriptors")
	assert.InDelta(t, first.goroutines, last.goroutines, 2, "goroutines")
	assert.Less(t, last.heap, first.heap+(4<<20), "heap")
}

// shmem reads the kernel's count of shared memory (memfds included).
func shmem(t *testing.T) int64 {
	f, err := os.Open("/proc/meminfo")
	require.NoError(t, err)
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "Shmem:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			require.NoError(t, err)
			return kb << 10
		}
	}
	t.Fatal("no Shmem in /proc/meminfo")
	return 0
}

func TestNothingLeftAfterMasterSIGKILL(t *testing.T) {
	before := shmem(t)
	shm, err := os.ReadDir("/dev/shm")
	require.NoError(t, err)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "SHMRUN_TEST_MASTER=touch")
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err)
	var pids []int
	for _, f := range strings.Fields(line) {
		pid, err := strconv.Atoi(f)
		require.NoError(t, err)
		pids = append(pids, pid)
	}
	during := shmem(t)
	require.NoError(t, cmd.Process.Kill())
	cmd.Wait()
	require.Eventually(t, func() bool {
		for _, pid := range pids {
			if alive(pid) {
				return false
			}
		}
		return true
	}, time.Second, 5*time.Millisecond, "no worker survives its master by a second")
	require.Eventually(t, func() bool { return shmem(t) < before+(16<<20) }, 5*time.Second, 20*time.Millisecond,
		"the arena's memory is freed: Shmem %d MiB before, %d MiB while running, %d MiB after", before>>20, during>>20, shmem(t)>>20)
	t.Logf("Shmem: %d MiB before, %d MiB with the pool, %d MiB after its master's SIGKILL", before>>20, during>>20, shmem(t)>>20)
	assert.Greater(t, during, before+(64<<20), "the pool's arena was counted while it ran")
	after, err := os.ReadDir("/dev/shm")
	require.NoError(t, err)
	assert.Equal(t, len(shm), len(after), "nothing named in /dev/shm")
}

func TestNoWorkerOutlivesAnExitingMaster(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "SHMRUN_TEST_MASTER=exit")
	out, err := cmd.Output()
	require.NoError(t, err, "the master exits 0 without closing its pool")
	exited := time.Now()
	pids := strings.Fields(string(out))
	require.Len(t, pids, 2)
	for _, f := range pids {
		pid, err := strconv.Atoi(f)
		require.NoError(t, err)
		require.Eventually(t, func() bool { return !alive(pid) }, time.Second, 2*time.Millisecond,
			"worker %d outlived its master by a second", pid)
	}
	t.Logf("workers gone %v after their master exited", time.Since(exited))
}
