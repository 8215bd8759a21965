package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/internal/placement"
	"github.com/shmrun/shmrun/runtime"
)

// TestMain makes the test binary its own worker: the pool re-executes it,
// and runtime.Main turns that process into a worker before any test runs.
func TestMain(m *testing.M) {
	placement.Serve()
	serveExecGob()
	if code := os.Getenv("SHMRUN_TEST_EXIT_BEFORE_MAIN"); code != "" {
		fmt.Fprintln(os.Stderr, "dying before runtime.Main")
		os.Exit(3) // a worker that cannot start
	}
	if flag := os.Getenv("SHMRUN_TEST_SLOW_START"); flag != "" {
		if _, err := os.Stat(flag); err == nil {
			time.Sleep(slowStart) // a replacement that is slow to say hello
		}
	}
	runtime.Main()
	if mode := os.Getenv("SHMRUN_TEST_MASTER"); mode != "" {
		os.Exit(runMaster(mode))
	}
	os.Exit(m.Run())
}

// The kernels every test uses, registered identically in every process.
var (
	square = runtime.Register("test.square", func(_ *runtime.Env, x int) (int, error) {
		return x * x, nil
	})
	failOdd = runtime.Register("test.failOdd", func(_ *runtime.Env, x int) (int, error) {
		if x%2 == 1 {
			return 0, fmt.Errorf("odd input %d", x)
		}
		return x, nil
	})
	panics = runtime.Register("test.panics", func(_ *runtime.Env, x int) (int, error) {
		var m map[string]int
		//lint:ignore SA5000 the panic of a nil map write is the point
		m["boom"] = x
		return 0, nil
	})
	// waitCancel blocks until its context ends, then reports why.
	waitCancel = runtime.Register("test.waitCancel", func(env *runtime.Env, _ int) (string, error) {
		select {
		case <-env.Context().Done():
			return "", env.Context().Err()
		case <-time.After(30 * time.Second):
			return "not cancelled", nil
		}
	})
	// crashFirst kills its worker on a task's first attempt and succeeds on
	// the next one.
	crashFirst = runtime.Register("test.crashFirst", func(env *runtime.Env, x int) (int, error) {
		if env.Attempt() == 1 {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			time.Sleep(time.Second)
		}
		return x + 1000, nil
	})
	// crashAlways exits the worker every time, after saying so.
	crashAlways = runtime.Register("test.crashAlways", func(_ *runtime.Env, x int) (int, error) {
		fmt.Fprintln(os.Stderr, "crashAlways: dying now")
		os.Exit(7)
		return 0, nil
	})
	// crashIf crashes on inputs below zero and squares the rest.
	crashIf = runtime.Register("test.crashIf", func(_ *runtime.Env, x int) (int, error) {
		if x < 0 {
			os.Exit(9)
		}
		return x * x, nil
	})
	// slowSquare takes a few hundred microseconds, so that a map of many
	// items is still running when a test kills workers.
	slowSquare = runtime.Register("test.slowSquare", func(_ *runtime.Env, x int) (int, error) {
		end := time.Now().Add(200 * time.Microsecond)
		for time.Now().Before(end) {
		}
		return x * x, nil
	})
	sleepy = runtime.Register("test.sleep", func(env *runtime.Env, d time.Duration) (time.Duration, error) {
		time.Sleep(d)
		return d, nil
	})
	spin = runtime.Register("test.spinForever", func(_ *runtime.Env, _ int) (int, error) {
		//lint:ignore SA5002 a kernel that ignores its context is the point
		for {
		}
	})
	echoBytes = runtime.Register("test.echoBytes", func(_ *runtime.Env, b []byte) ([]byte, error) {
		return append(b, '!'), nil
	})
)

type pair struct {
	Name  string
	Count int
}

var jsonKernel = runtime.Register("test.json", func(_ *runtime.Env, p pair) (pair, error) {
	p.Count++
	return p, nil
})

// slowStart is how long a worker started with SHMRUN_TEST_SLOW_START=path
// waits before runtime.Main while that path exists.
const slowStart = 300 * time.Millisecond

var modes = []runtime.Mode{runtime.Processes, runtime.Goroutines}

// startPool starts a pool that the test closes at its end.
func startPool(t testing.TB, o runtime.Options) *runtime.Pool {
	t.Helper()
	if o.Workers == 0 {
		o.Workers = 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := runtime.Start(ctx, &o)
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := p.Close(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("close: %v", err)
		}
	})
	return p
}

func ctxTimeout(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
