package runtime_test

import (
	"context"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/runtime"
)

// exitLog collects what OnWorkerExit reports.
type exitLog struct {
	mu    sync.Mutex
	exits []runtime.WorkerExit
}

func (l *exitLog) add(e runtime.WorkerExit) {
	l.mu.Lock()
	l.exits = append(l.exits, e)
	l.mu.Unlock()
}

func (l *exitLog) get() []runtime.WorkerExit {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]runtime.WorkerExit(nil), l.exits...)
}

func TestOnWorkerExitReportsCrashesBeforeTheReplacement(t *testing.T) {
	p := startPool(t, runtime.Options{Workers: 1, Stderr: discard{}})
	pid := p.Stats().Workers[0].PID
	var log exitLog
	var restartsSeen []int
	cancel := p.OnWorkerExit(func(e runtime.WorkerExit) {
		restarts := p.Stats().Workers[0].Restarts
		log.mu.Lock()
		restartsSeen = append(restartsSeen, restarts)
		log.mu.Unlock()
		log.add(e)
	})
	defer cancel()
	v, err := crashFirst.Run(ctxTimeout(t, 30*time.Second), p, 1)
	require.NoError(t, err)
	assert.Equal(t, 1001, v)
	got := log.get()
	require.Len(t, got, 1)
	assert.Equal(t, runtime.WorkerExit{Worker: 0, PID: pid, Cause: runtime.ExitCrashed, Signal: syscall.SIGKILL, Status: -1}, got[0])
	assert.Equal(t, "killed by signal SIGKILL", got[0].String())
	log.mu.Lock()
	defer log.mu.Unlock()
	assert.Equal(t, []int{0}, restartsSeen, "the subscriber runs before a replacement starts")
}

func TestOnWorkerExitReportsGracefulStopsAndUnsubscribes(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	p, err := runtime.Start(ctx, &runtime.Options{Workers: 2})
	require.NoError(t, err)
	var kept, dropped exitLog
	p.OnWorkerExit(kept.add)
	p.OnWorkerExit(dropped.add)()
	pids := map[int]int{}
	for _, w := range p.Stats().Workers {
		pids[w.Worker] = w.PID
	}
	require.NoError(t, p.Close(context.Background()))
	got := kept.get()
	require.Len(t, got, 2)
	for _, e := range got {
		assert.True(t, e.Graceful, "%+v", e)
		assert.Equal(t, runtime.ExitStopped, e.Cause)
		assert.Zero(t, e.Status)
		assert.Zero(t, e.Signal)
		assert.Equal(t, pids[e.Worker], e.PID)
	}
	assert.Empty(t, dropped.get(), "a cancelled subscription hears nothing")
}

func TestOnWorkerExitNeverFiresForGoroutines(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	p, err := runtime.Start(ctx, &runtime.Options{Workers: 2, Mode: runtime.Goroutines})
	require.NoError(t, err)
	var log exitLog
	p.OnWorkerExit(log.add)
	_, err = square.Run(ctx, p, 3)
	require.NoError(t, err)
	require.NoError(t, p.Close(ctx))
	assert.Empty(t, log.get())
}
