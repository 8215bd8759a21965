package runtime_test

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/arena"
	"github.com/shmrun/shmrun/runtime"
)

// The kernels the host tests run, declared Remote.
var (
	remoteSquare = runtime.Register("test.remoteSquare", func(_ *runtime.Env, x int) (int, error) {
		return x * x, nil
	}).Remote(nil)

	// remoteFill writes its block of test.out: each byte is the sum of
	// test.in's bytes plus the block's index, and returns that sum. It
	// sleeps first when asked, for the hedging tests.
	remoteFill = runtime.Register("test.remoteFill", func(env *runtime.Env, j fillJob) (int, error) {
		time.Sleep(time.Duration(j.SleepUS) * time.Microsecond)
		in, err := env.Arena().Region("test.in")
		if err != nil {
			return 0, err
		}
		out, err := env.Arena().Region("test.out")
		if err != nil {
			return 0, err
		}
		sum := 0
		for _, b := range in.Bytes() {
			sum += int(b)
		}
		row := out.Bytes()[j.Index*fillBlock : (j.Index+1)*fillBlock]
		for i := range row {
			row[i] = byte(sum + j.Index)
		}
		return sum, nil
	}).Remote(func(j fillJob) runtime.Footprint {
		return runtime.Footprint{Shared: []string{"test.in"},
			Writes: []runtime.Span{{Region: "test.out", Offset: j.Index * fillBlock, Len: fillBlock}}}
	})

	// badFootprint declares a write past the end of test.out.
	badFootprint = runtime.Register("test.badFootprint", func(_ *runtime.Env, x int) (int, error) {
		return x, nil
	}).Remote(func(int) runtime.Footprint {
		return runtime.Footprint{Writes: []runtime.Span{{Region: "test.out", Offset: 100 * fillBlock, Len: 1}}}
	})

	// localOnly is not declared Remote: it must never run on a host.
	localOnly = runtime.Register("test.localOnly", func(env *runtime.Env, x int) (int, error) {
		return env.Worker(), nil
	})
)

type fillJob struct {
	Index   int
	SleepUS int
}

const fillBlock = 64

// loopLink is a HostLink to a second pool in this process (goroutine
// workers): the jobs and answers are the bytes a network would carry.
type loopLink struct {
	host *runtime.Pool
	h    atomic.Pointer[runtime.Host]

	mu       sync.Mutex
	objects  map[[32]byte][]byte // the "object store": shared regions by hash
	installs int
	held     [][]byte // answers held back while hold is set
	hold     bool
	jobs     int
	closed   *runtime.Kill
	isClosed bool
}

func (l *loopLink) Send(j *runtime.Job) error {
	l.mu.Lock()
	for _, s := range j.Shared {
		if _, ok := l.objects[s.Hash]; !ok {
			l.objects[s.Hash] = bytes.Clone(s.Bytes)
		}
	}
	l.jobs++
	l.mu.Unlock()
	msg := bytes.Clone(j.Message)
	go func() {
		err := l.host.RunJob(context.Background(), msg, l.install, l.answer)
		if err != nil {
			panic(err)
		}
	}()
	return nil
}

func (l *loopLink) install(_ context.Context, _ string, hash [32]byte, dst []byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.installs++
	obj, ok := l.objects[hash]
	if !ok {
		return errors.New("no such object")
	}
	copy(dst, obj)
	return nil
}

func (l *loopLink) answer(done []byte) {
	d := bytes.Clone(done)
	l.mu.Lock()
	if l.hold {
		l.held = append(l.held, d)
		l.mu.Unlock()
		return
	}
	l.mu.Unlock()
	go l.deliver(d)
}

func (l *loopLink) deliver(d []byte) {
	if err := l.h.Load().Complete(d); err != nil {
		panic(err)
	}
}

// release delivers the answers held back.
func (l *loopLink) release() {
	l.mu.Lock()
	held := l.held
	l.held, l.hold = nil, false
	l.mu.Unlock()
	for _, d := range held {
		l.deliver(d)
	}
}

func (l *loopLink) Cancel(id uint64) { l.host.CancelJob(id) }

func (l *loopLink) Close(k *runtime.Kill) {
	l.mu.Lock()
	l.closed, l.isClosed = k, true
	l.mu.Unlock()
}

// startCluster starts a master of one worker process and a host pool of
// two goroutine workers joined to it, with test.in (shared) and test.out
// in the master's arena.
func startCluster(t *testing.T, cfg runtime.HostConfig) (*runtime.Pool, *runtime.Host, *loopLink) {
	t.Helper()
	ctx := context.Background()
	master, err := runtime.Start(ctx, &runtime.Options{Workers: 1, ArenaSize: 1 << 20})
	require.NoError(t, err)
	t.Cleanup(func() { master.Close(ctx) })
	in, err := master.Arena().Alloc("test.in", 1000, arena.KindBytes)
	require.NoError(t, err)
	for i := range in.Bytes() {
		in.Bytes()[i] = byte(i)
	}
	_, err = master.Arena().Alloc("test.out", 100*fillBlock, arena.KindBytes)
	require.NoError(t, err)
	host, err := runtime.Start(ctx, &runtime.Options{Workers: 2, Mode: runtime.Goroutines, ArenaSize: master.Arena().Size()})
	require.NoError(t, err)
	t.Cleanup(func() { host.Close(ctx) })
	l := &loopLink{host: host, objects: map[[32]byte][]byte{}}
	if cfg.Capacity == 0 {
		cfg.Capacity = 2
	}
	if cfg.Name == "" {
		cfg.Name = "loop"
	}
	h, err := master.AddHost(cfg, l)
	require.NoError(t, err)
	l.h.Store(h)
	return master, h, l
}

func inSum() int {
	s := 0
	for i := range 1000 {
		s += int(byte(i))
	}
	return s
}

func TestHostRunsMapAndWritesComeBack(t *testing.T) {
	master, _, l := startCluster(t, runtime.HostConfig{NoHedge: true})
	ctx := context.Background()
	assert.Equal(t, 3, master.Capacity())
	xs := make([]int, 2000)
	for i := range xs {
		xs[i] = i
	}
	sq, err := runtime.Map(ctx, master, remoteSquare, xs, &runtime.MapOptions{Chunk: 10})
	require.NoError(t, err)
	for i, v := range sq {
		require.Equal(t, i*i, v)
	}
	jobs := make([]fillJob, 100)
	for i := range jobs {
		jobs[i] = fillJob{Index: i}
	}
	sums, err := runtime.Map(ctx, master, remoteFill, jobs, &runtime.MapOptions{Chunk: 1})
	require.NoError(t, err)
	out, err := master.Arena().Region("test.out")
	require.NoError(t, err)
	for i := range jobs {
		assert.Equal(t, inSum(), sums[i])
		assert.Equal(t, bytes.Repeat([]byte{byte(inSum() + i)}, fillBlock), out.Bytes()[i*fillBlock:(i+1)*fillBlock], "block %d", i)
	}
	st := master.Stats()
	require.Len(t, st.Hosts, 1)
	assert.Greater(t, st.Hosts[0].Tasks, uint64(0), "the host ran none of it")
	assert.Equal(t, "loop", st.Hosts[0].Name)
	l.mu.Lock()
	assert.Equal(t, 1, l.installs, "the shared region is installed once")
	l.mu.Unlock()

	// A kernel not declared Remote never leaves this machine.
	before := master.Stats().Hosts[0].Tasks
	ws, err := runtime.Map(ctx, master, localOnly, xs[:200], &runtime.MapOptions{Chunk: 1})
	require.NoError(t, err)
	for _, w := range ws {
		assert.Equal(t, 0, w)
	}
	assert.Equal(t, before, master.Stats().Hosts[0].Tasks)
}

func TestHostLostTasksRunAgain(t *testing.T) {
	master, h, l := startCluster(t, runtime.HostConfig{NoHedge: true})
	ctx := context.Background()
	var exits []runtime.WorkerExit
	var mu sync.Mutex
	master.OnWorkerExit(func(e runtime.WorkerExit) { mu.Lock(); exits = append(exits, e); mu.Unlock() })
	l.mu.Lock()
	l.hold = true // the host answers nothing from now on
	l.mu.Unlock()
	jobs := make([]fillJob, 40)
	for i := range jobs {
		jobs[i] = fillJob{Index: i, SleepUS: 100}
	}
	go func() {
		require.Eventually(t, func() bool { return master.Stats().Hosts[0].Queued > 0 }, 10*time.Second, time.Millisecond)
		h.Lost("connection closed")
	}()
	sums, err := runtime.Map(ctx, master, remoteFill, jobs, &runtime.MapOptions{Chunk: 1})
	require.NoError(t, err)
	for _, s := range sums {
		assert.Equal(t, inSum(), s)
	}
	<-h.Exited()
	assert.False(t, h.Alive())
	l.release() // late answers of a host declared dead are dropped
	st := master.Stats()
	assert.False(t, st.Hosts[0].Alive)
	assert.Zero(t, st.Hosts[0].Tasks)
	assert.Positive(t, st.Redispatched)
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, exits, 1)
	assert.Equal(t, runtime.ExitCrashed, exits[0].Cause)
	assert.Equal(t, "loop", exits[0].Host)
	assert.Equal(t, "connection closed", exits[0].Lost)
	l.mu.Lock()
	assert.True(t, l.isClosed)
	l.mu.Unlock()
}

func TestHostOverdueTasksAreHedged(t *testing.T) {
	master, _, l := startCluster(t, runtime.HostConfig{})
	ctx := context.Background()
	jobs := teachHedger(t, master)
	out, err := master.Arena().Region("test.out")
	require.NoError(t, err)
	clear(out.Bytes())

	l.mu.Lock()
	l.hold = true // the host stalls: its answers wait
	l.mu.Unlock()
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second) // a hedger that never hedges fails, not hangs
	defer cancel()
	sums, err := runtime.Map(ctx, master, remoteFill, jobs[:8], &runtime.MapOptions{Chunk: 1})
	require.NoError(t, err)
	assert.Less(t, time.Since(start), 5*time.Second)
	for i, s := range sums {
		assert.Equal(t, inSum(), s)
		assert.Equal(t, bytes.Repeat([]byte{byte(inSum() + i)}, fillBlock), out.Bytes()[i*fillBlock:(i+1)*fillBlock], "block %d", i)
	}
	assert.Positive(t, master.Stats().Hedges)
	l.release() // the host's late answers lose
	for i := range 8 {
		assert.Equal(t, bytes.Repeat([]byte{byte(inSum() + i)}, fillBlock), out.Bytes()[i*fillBlock:(i+1)*fillBlock], "block %d", i)
	}
}

func TestHostBadBytesAreRefused(t *testing.T) {
	_, h, _ := startCluster(t, runtime.HostConfig{NoHedge: true})
	for _, b := range [][]byte{nil, {1, 2, 3}, bytes.Repeat([]byte{0xff}, 64)} {
		assert.ErrorIs(t, h.Complete(b), runtime.ErrProtocol)
	}
	h.Kill(runtime.Kill{Reason: runtime.KillProtocol, Detail: "test"})
	<-h.Exited()
	assert.False(t, h.Alive())
}

func TestHostResultBeforeItsHedgeEnds(t *testing.T) {
	master, _, l := startCluster(t, runtime.HostConfig{})
	ctx := context.Background()
	teachHedger(t, master)

	// The local worker is busy, so the task goes to the host, whose
	// answer is first but held back until a hedge runs; the hedge, a slow
	// local copy, ends later: the task ends with it.
	bctx, unblock := context.WithCancel(ctx)
	blocker, err := waitCancel.Submit(bctx, master, 0)
	require.NoError(t, err)
	l.mu.Lock()
	l.hold = true
	l.mu.Unlock()
	hedges := master.Stats().Hedges
	start := time.Now()
	f, err := remoteFill.Submit(ctx, master, fillJob{Index: 3, SleepUS: 300_000})
	require.NoError(t, err)
	require.Equal(t, 1, master.Stats().Hosts[0].Queued)
	unblock()
	blocker.Wait(ctx)
	require.Eventually(t, func() bool { return master.Stats().Hedges > hedges }, 10*time.Second, time.Millisecond)
	l.release()
	sum, err := f.Wait(ctx)
	require.NoError(t, err)
	assert.Equal(t, inSum(), sum)
	assert.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond)
	out, err := master.Arena().Region("test.out")
	require.NoError(t, err)
	assert.Equal(t, bytes.Repeat([]byte{byte(inSum() + 3)}, fillBlock), out.Bytes()[3*fillBlock:4*fillBlock])
}

func TestHostBadFootprintFailsTheTask(t *testing.T) {
	master, _, _ := startCluster(t, runtime.HostConfig{NoHedge: true})
	ctx := context.Background()
	_, err := runtime.Map(ctx, master, badFootprint, []int{1, 2, 3, 4, 5, 6, 7, 8}, &runtime.MapOptions{Chunk: 1, ContinueOnError: true})
	assert.ErrorIs(t, err, runtime.ErrFootprint)
	assert.Contains(t, err.Error(), "host loop")
}

// teachHedger runs batches of 64 fill jobs over the cluster until the host
// has answered enough of them for the hedger to judge by (it hedges
// nothing before 16 remote turnarounds, and a fast local worker can take
// most of a batch), and returns them.
func teachHedger(t *testing.T, master *runtime.Pool) []fillJob {
	jobs := make([]fillJob, 64)
	for i := range jobs {
		jobs[i] = fillJob{Index: i}
	}
	for range 50 {
		_, err := runtime.Map(context.Background(), master, remoteFill, jobs, &runtime.MapOptions{Chunk: 1})
		require.NoError(t, err)
		if master.Stats().Hosts[0].Tasks >= 32 {
			// A task whose local hedge won stays owed by the host until
			// its late answer arrives, and until then the host is suspect
			// and is sent nothing new: a test that stalls the host next
			// must start from a host that owes nothing.
			require.Eventually(t, func() bool { return master.Stats().Hosts[0].Queued == 0 }, 10*time.Second, time.Millisecond)
			return jobs
		}
	}
	require.FailNow(t, "the host answered too few tasks to teach the hedger", "%d", master.Stats().Hosts[0].Tasks)
	return nil
}
