package runtime_test

import (
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/shmrun/shmrun/runtime"
)

// affinity reports its worker and the CPUs each thread of its process may
// run on.
type affinity struct {
	Worker  int
	Threads [][]int
}

var threadAffinity = runtime.Register("test.threadAffinity", func(env *runtime.Env, _ int) (affinity, error) {
	a := affinity{Worker: env.Worker()}
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return a, err
	}
	for _, t := range tasks {
		tid, _ := strconv.Atoi(t.Name())
		var set unix.CPUSet
		if err := unix.SchedGetaffinity(tid, &set); err != nil {
			continue // the thread exited meanwhile
		}
		var cpus []int
		for cpu := 0; len(cpus) < set.Count(); cpu++ {
			if set.IsSet(cpu) {
				cpus = append(cpus, cpu)
			}
		}
		a.Threads = append(a.Threads, cpus)
	}
	time.Sleep(20 * time.Millisecond) // so that both workers get items
	return a, nil
})

func masterCPUs(t *testing.T) []int {
	cpus, err := runtime.AllowedCPUs()
	require.NoError(t, err)
	require.NotEmpty(t, cpus)
	return cpus
}

func TestPinWorkersBindsEveryThreadOfAWorker(t *testing.T) {
	cpus := masterCPUs(t)
	p := startPool(t, runtime.Options{Workers: 3, PinWorkers: true})
	got, err := runtime.Map(ctxTimeout(t, 30*time.Second), p, threadAffinity, make([]int, 12), &runtime.MapOptions{Chunk: 1})
	require.NoError(t, err)
	seen := map[int]bool{}
	for _, a := range got {
		seen[a.Worker] = true
		want := []int{cpus[a.Worker%len(cpus)]}
		require.NotEmpty(t, a.Threads)
		for i, th := range a.Threads {
			assert.Equal(t, want, th, "worker %d, thread %d", a.Worker, i)
		}
	}
	assert.Len(t, seen, 3, "every worker ran items")
}

func TestWorkersAreNotPinnedByDefault(t *testing.T) {
	cpus := masterCPUs(t)
	p := startPool(t, runtime.Options{Workers: 1})
	a, err := threadAffinity.Run(ctxTimeout(t, 30*time.Second), p, 0)
	require.NoError(t, err)
	for _, th := range a.Threads {
		assert.Equal(t, cpus, th)
	}
}
