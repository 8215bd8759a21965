package cluster_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/cluster"
	"github.com/shmrun/shmrun/runtime"
)

var (
	// hold keeps the master's only worker busy (it is not Remote), so
	// that the tasks of Remote kernels go to the host.
	hold = runtime.Register("cluster.hold", func(env *runtime.Env, _ int) (int, error) {
		<-env.Context().Done()
		return 0, nil
	})
	// waitCtx waits for its context to end, and says why.
	waitCtx = runtime.Register("cluster.waitCtx", func(env *runtime.Env, _ int) (int, error) {
		<-env.Context().Done()
		return 0, env.Context().Err()
	}).Remote(nil)
	panicky = runtime.Register("cluster.panicky", func(_ *runtime.Env, x int) (int, error) {
		panic("boom on the host")
	}).Remote(nil)
	// crashy kills its worker process: on a host, the host's worker.
	crashy = runtime.Register("cluster.crashy", func(_ *runtime.Env, x int) (int, error) {
		os.Exit(7)
		return 0, nil
	}).Remote(nil)
)

// TestFuturesOverHosts runs single tasks on a host as futures: results,
// cancellation, deadlines, a kernel's panic and a task that crashes the
// host's workers come back as they do from a local worker, and the host
// has its track on the timeline.
func TestFuturesOverHosts(t *testing.T) {
	ctx := context.Background()
	timeline := filepath.Join(t.TempDir(), "tl.json")
	pool, err := runtime.Start(ctx, &runtime.Options{Workers: 1, Timeline: timeline})
	require.NoError(t, err)
	c, err := cluster.Serve(ctx, pool, &cluster.Options{Listen: "127.0.0.1:0", NoHedge: true})
	require.NoError(t, err)
	m := &master{pool: pool, c: c}
	defer m.close()
	startHost(t, c.URL(), 1)
	m.waitHosts(t, 1)
	hctx, release := context.WithCancel(ctx)
	blocker, err := hold.Submit(hctx, pool, 0)
	require.NoError(t, err)
	defer func() { release(); blocker.Wait(ctx) }()
	// Each task goes to the host only if the host holds none: a tie goes
	// to the local worker, which the blocker holds.
	hostIdle := func() {
		require.Eventually(t, func() bool { return pool.Stats().Hosts[0].Queued == 0 }, 10*time.Second, time.Millisecond)
	}

	v, err := square.Run(ctx, pool, 12)
	require.NoError(t, err)
	assert.Equal(t, 144, v)

	hostIdle()
	f, err := waitCtx.Submit(ctx, pool, 0)
	require.NoError(t, err)
	time.Sleep(50 * time.Millisecond)
	f.Cancel()
	_, err = f.Wait(ctx)
	assert.ErrorIs(t, err, runtime.ErrCancelled)

	hostIdle()
	dctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	_, err = waitCtx.Run(dctx, pool, 0)
	cancel()
	assert.ErrorIs(t, err, context.DeadlineExceeded)

	hostIdle()
	_, err = panicky.Run(ctx, pool, 1)
	var ke *runtime.KernelError
	require.ErrorAs(t, err, &ke)
	assert.True(t, ke.Panic)
	assert.Contains(t, ke.Msg, "boom on the host")

	hostIdle()
	_, err = crashy.Run(ctx, pool, 1)
	var ce *runtime.CrashError
	require.True(t, errors.As(err, &ce), "%v", err)
	assert.Equal(t, "cluster.crashy", ce.Kernel)
	assert.Equal(t, 3, ce.Attempts)
	assert.Equal(t, 7, ce.Exit.Status)
	assert.Equal(t, runtime.ExitCrashed, ce.Exit.Cause)
	assert.Equal(t, pool.Stats().Hosts[0].Name, ce.Exit.Host)
	assert.ErrorIs(t, err, runtime.ErrWorkerCrashed)
	assert.Equal(t, uint64(5), pool.Stats().Hosts[0].Tasks, "square, the cancelled, the overdue, the panic, the crash")

	release()
	blocker.Wait(ctx)
	m.close()
	b, err := os.ReadFile(timeline)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"name":"host `)
	assert.Contains(t, string(b), `"name":"cluster.square"`)
}
