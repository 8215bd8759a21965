package runtime_test

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/runtime"
)

// alive reports whether pid is a running process (not gone, not a zombie).
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i > 0 && i+2 < len(s) && s[i+2] != 'Z' && s[i+2] != 'X'
}

func TestNoOrphansWhenMasterIsKilled(t *testing.T) {
	for _, mode := range []string{"idle", "busy"} {
		t.Run(mode, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "SHMRUN_TEST_MASTER="+mode)
			cmd.Stderr = os.Stderr
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
			require.Len(t, pids, 2)
			time.Sleep(100 * time.Millisecond)
			for _, pid := range pids {
				require.True(t, alive(pid))
			}
			killed := time.Now()
			require.NoError(t, cmd.Process.Kill())
			cmd.Wait()
			for _, pid := range pids {
				for alive(pid) && time.Since(killed) < 5*time.Second {
					time.Sleep(5 * time.Millisecond)
				}
				assert.False(t, alive(pid), "worker %d outlived its master", pid)
			}
			gone := time.Since(killed)
			t.Logf("workers gone %v after the master's SIGKILL", gone)
			assert.Less(t, gone, time.Second)
		})
	}
}

func TestStartFailsCleanlyWhenWorkersDie(t *testing.T) {
	var out strings.Builder
	start := time.Now()
	_, err := runtime.Start(ctxTimeout(t, 30*time.Second), &runtime.Options{Workers: 2, Stderr: &out,
		Env: []string{"SHMRUN_TEST_EXIT_BEFORE_MAIN=1"}})
	require.ErrorIs(t, err, runtime.ErrHandshake)
	assert.Contains(t, err.Error(), "exit status 3")
	assert.Contains(t, err.Error(), "dying before runtime.Main")
	assert.Less(t, time.Since(start), 5*time.Second, "no waiting for a hello that cannot come")
}

func TestCloseDrainsInFlightWork(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			p, err := runtime.Start(ctxTimeout(t, 30*time.Second), &runtime.Options{Mode: mode, Workers: 2})
			require.NoError(t, err)
			ctx := ctxTimeout(t, 30*time.Second)
			var fs []runtime.Future[time.Duration]
			for range 8 {
				f, err := sleepy.Submit(ctx, p, 50*time.Millisecond)
				require.NoError(t, err)
				fs = append(fs, f)
			}
			pids := p.Stats().Workers
			require.NoError(t, p.Close(ctx))
			for _, f := range fs {
				v, err := f.Wait(ctx)
				require.NoError(t, err, "drained, not dropped")
				assert.Equal(t, 50*time.Millisecond, v)
			}
			_, err = square.Submit(ctx, p, 1)
			assert.ErrorIs(t, err, runtime.ErrClosed)
			for _, w := range pids {
				if w.PID > 0 {
					assert.False(t, alive(w.PID), "worker exited")
				}
			}
			require.NoError(t, p.Close(ctx), "a second Close is harmless")
		})
	}
}

func TestCloseDeadlineKills(t *testing.T) {
	p, err := runtime.Start(ctxTimeout(t, 30*time.Second), &runtime.Options{Workers: 2, Stderr: discard{}})
	require.NoError(t, err)
	ctx := ctxTimeout(t, 30*time.Second)
	f, err := spin.Submit(ctx, p, 0)
	require.NoError(t, err)
	pids := p.Stats().Workers
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = p.Close(short)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 3*time.Second)
	_, err = f.Wait(ctx)
	assert.ErrorIs(t, err, runtime.ErrClosed)
	for _, w := range pids {
		assert.False(t, alive(w.PID))
	}
}

func TestStatsAndTimeline(t *testing.T) {
	path := filepath.Join(t.TempDir(), "timeline.json")
	p, err := runtime.Start(ctxTimeout(t, 30*time.Second), &runtime.Options{Workers: 2, Timeline: path, Stderr: discard{}})
	require.NoError(t, err)
	ctx := ctxTimeout(t, 30*time.Second)
	_, err = runtime.Map(ctx, p, slowSquare, ints(200), &runtime.MapOptions{Chunk: 10})
	require.NoError(t, err)
	_, err = crashFirst.Run(ctx, p, 1)
	require.NoError(t, err)
	s := p.Stats()
	require.Len(t, s.Workers, 2)
	assert.EqualValues(t, 21, s.Tasks)
	for _, w := range s.Workers {
		assert.Positive(t, w.Tasks, "both workers took tasks")
		assert.Positive(t, w.Busy)
		assert.Zero(t, w.Queued)
	}
	require.NoError(t, p.Close(ctx))

	var trace struct {
		TraceEvents []struct {
			Name string         `json:"name"`
			Ph   string         `json:"ph"`
			Tid  int            `json:"tid"`
			Dur  float64        `json:"dur"`
			Args map[string]any `json:"args"`
		} `json:"traceEvents"`
	}
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &trace))
	count := map[string]int{}
	for _, e := range trace.TraceEvents {
		count[e.Ph+":"+e.Name]++
		if e.Ph == "X" {
			assert.Positive(t, e.Dur)
		}
	}
	assert.Equal(t, 2, count["M:thread_name"], "a track per worker")
	assert.Equal(t, 20, count["X:test.slowSquare"], "a span per task")
	assert.Equal(t, 1, count["X:test.crashFirst"])
	assert.Equal(t, 1, count["i:crash"])
	assert.Equal(t, 1, count["i:restart"])
}
