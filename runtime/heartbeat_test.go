package runtime_test

import (
	"fmt"
	"math"
	"os"
	goruntime "runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/shmrun/shmrun/internal/faults"
	"github.com/shmrun/shmrun/runtime"
)

// heartbeatOffset is where the heartbeat word sits in a worker's control
// block (runtime/control.go): this test writes it as a corrupt worker would.
const heartbeatOffset = 64

// forgeHeartbeat, on a task's first attempt, writes into its worker's
// heartbeat word a time far ahead (or, for a negative argument, the most
// negative one, which overflows a naive age computation), then stops its
// own process, the way a worker with
// corrupt memory that then hangs would. A master that trusted that word
// would never notice the stopped worker.
var forgeHeartbeat = runtime.Register("test.forgeHeartbeat", func(env *runtime.Env, sign int64) (int64, error) {
	if env.Attempt() > 1 {
		return sign, nil
	}
	r, err := env.Arena().Region(fmt.Sprintf("shmrun.w%d.control", env.Worker()))
	if err != nil {
		return 0, err
	}
	forged := time.Now().UnixNano() + int64(time.Hour) // far ahead of CLOCK_MONOTONIC
	if sign < 0 {
		forged = math.MinInt64 + 1
	}
	words := r.Uint64s()
	for range 3 { // the heartbeat goroutine may store in between: win the race
		words[heartbeatOffset/8] = uint64(forged)
	}
	// Stop from this thread: a signal sent to the process may be taken by
	// a sleeping thread while this one runs on and returns a result.
	goruntime.LockOSThread()
	unix.Tgkill(os.Getpid(), unix.Gettid(), unix.SIGSTOP)
	time.Sleep(time.Hour) // never answer this attempt
	return 0, nil
})

func TestHeartbeatFromTheFutureIsCaught(t *testing.T) {
	for _, sign := range []int64{1, -1} {
		p := startPool(t, runtime.Options{Workers: 1, HeartbeatTimeout: 200 * time.Millisecond, Stderr: discard{}})
		var deaths faults.Deaths
		p.OnWorkerExit(deaths.Record)
		v, err := forgeHeartbeat.Run(ctxTimeout(t, 20*time.Second), p, sign)
		require.NoError(t, err, "re-run on the replacement")
		assert.Equal(t, sign, v)
		assert.EqualValues(t, 1, p.Stats().Crashes)
		t.Logf("heartbeat forged with sign %d:\n%s", sign, &deaths)
		assert.Equal(t, 1, deaths.Killed(runtime.KillClock))
	}
}

// hangFirst, on a task's first attempt, spins without a preemption point:
// in a worker with one P and asynchronous preemption off, its heartbeat
// goroutine never runs again, though the process runs on.
var hangFirst = runtime.Register("test.hangFirst", func(env *runtime.Env, x int) (int, error) {
	for env.Attempt() == 1 {
	}
	return x, nil
})

// TestHeartbeatCatchesHungWorker: a worker that runs but cannot refresh
// its heartbeat is killed as hung once it has used HeartbeatTimeout of CPU
// time past the timeout (a stopped one: TestHeartbeatCatchesStoppedWorker).
func TestHeartbeatCatchesHungWorker(t *testing.T) {
	const timeout = 100 * time.Millisecond
	p := startPool(t, runtime.Options{Workers: 1, HeartbeatTimeout: timeout, Stderr: discard{},
		Env: []string{"GODEBUG=asyncpreemptoff=1"}})
	var deaths faults.Deaths
	p.OnWorkerExit(deaths.Record)
	start := time.Now()
	v, err := hangFirst.Run(ctxTimeout(t, 30*time.Second), p, 7)
	took := time.Since(start)
	require.NoError(t, err, "re-run on the replacement")
	assert.Equal(t, 7, v)
	t.Logf("a hung worker killed after %v:\n%s", took, &deaths)
	assert.Equal(t, 1, deaths.Killed(runtime.KillHung))
	assert.GreaterOrEqual(t, took, timeout)
	assert.EqualValues(t, 1, p.Stats().Crashes)
}
