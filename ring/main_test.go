package ring_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/arena"
	"github.com/shmrun/shmrun/internal/placement"
	"github.com/shmrun/shmrun/ring"
)

// childEnv names the child mode when the test binary is re-executed as the
// other process of a cross-process test or benchmark. The arena is fd 3.
const childEnv = "SHMRUN_RING_TEST_CHILD"

var children = map[string]func(a *arena.Arena) error{}

func TestMain(m *testing.M) {
	placement.Serve()
	if mode := os.Getenv(childEnv); mode != "" {
		f, ok := children[mode]
		if !ok {
			fmt.Fprintln(os.Stderr, "unknown child mode", mode)
			os.Exit(2)
		}
		a, err := arena.Attach(os.NewFile(3, "arena"))
		if err == nil {
			err = f(a)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "child %s: %v\n", mode, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// startChild re-executes the test binary in the given mode with the arena
// inherited as fd 3 and extra KEY=VALUE settings.
func startChild(tb testing.TB, a *arena.Arena, mode string, env ...string) *exec.Cmd {
	tb.Helper()
	return startChildFiles(tb, a, nil, mode, env...)
}

// startChildFiles is startChild with more inherited files, from fd 4 on.
func startChildFiles(tb testing.TB, a *arena.Arena, files []*os.File, mode string, env ...string) *exec.Cmd {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), childEnv+"="+mode), env...)
	cmd.ExtraFiles = append([]*os.File{a.File()}, files...)
	cmd.Stderr = os.Stderr
	require.NoError(tb, cmd.Start())
	tb.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return cmd
}

func envInt(name string) int {
	n, err := strconv.Atoi(os.Getenv(name))
	if err != nil {
		panic(fmt.Sprintf("%s: %v", name, err))
	}
	return n
}

func newArena(tb testing.TB, size int) *arena.Arena {
	tb.Helper()
	a, err := arena.Create(size, nil)
	require.NoError(tb, err)
	tb.Cleanup(func() { a.Close() })
	return a
}

// newSPSC allocates and formats an SPSC ring of the given capacity.
func newSPSC(tb testing.TB, a *arena.Arena, name string, capacity int) arena.Region {
	tb.Helper()
	r, err := a.Alloc(name, ring.SPSCSize(capacity), ring.KindSPSC)
	require.NoError(tb, err)
	require.NoError(tb, ring.InitSPSC(r))
	return r
}

func region(a *arena.Arena, name string) arena.Region {
	r, err := a.Region(name)
	if err != nil {
		panic(err)
	}
	return r
}

func timeout(tb testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	tb.Cleanup(cancel)
	return ctx
}
