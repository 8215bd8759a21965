package cluster_test

import (
	"context"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/arena"
	"github.com/shmrun/shmrun/cluster"
	"github.com/shmrun/shmrun/runtime"
)

// The synthetic frame of BenchmarkClusterFrames: 60 tiles of 64x64 RGBA
// pixels, a 640x360 frame as trace cuts it, each written into a shared
// framebuffer by a kernel that sleeps tileSleep first: remote "cores" cost
// this machine nothing, and what the benchmark measures is the
// scheduling: dispatch, the network's round trips, the tiles' bytes
// coming back, and the tail of each frame.
const (
	benchW, benchH, benchTile = 640, 360, 64
	tileSleep                 = 5 * time.Millisecond
	benchFB                   = "bench.fb"
)

type sleepTileJob struct{ X0, Y0, X1, Y1 int32 }

var sleepTile = runtime.Register("cluster.sleepTile", func(env *runtime.Env, j sleepTileJob) (int, error) {
	time.Sleep(tileSleep)
	r, err := env.Arena().Region(benchFB)
	if err != nil {
		return 0, err
	}
	pix := r.Uint32s()
	for y := j.Y0; y < j.Y1; y++ {
		row := pix[int(y)*benchW+int(j.X0) : int(y)*benchW+int(j.X1)]
		for i := range row {
			row[i] = uint32(y)<<16 | uint32(int(j.X0)+i)
		}
	}
	return int(j.X1-j.X0) * int(j.Y1-j.Y0), nil
}).Remote(func(j sleepTileJob) runtime.Footprint {
	return runtime.Footprint{Writes: []runtime.Span{{Region: benchFB, Offset: 4 * (int(j.Y0)*benchW + int(j.X0)),
		Len: 4 * int(j.X1-j.X0), Stride: 4 * benchW, Count: int(j.Y1 - j.Y0)}}}
})

func benchTiles() []sleepTileJob {
	var jobs []sleepTileJob
	for y := 0; y < benchH; y += benchTile {
		for x := 0; x < benchW; x += benchTile {
			jobs = append(jobs, sleepTileJob{int32(x), int32(y), int32(min(x+benchTile, benchW)), int32(min(y+benchTile, benchH))})
		}
	}
	return jobs
}

// BenchmarkClusterFrames renders synthetic frames (a Map of 60 sleeping
// tiles each) with the master's two workers alone, and with three hosts of
// two workers joined on loopback: ideally 4x the frames per second. As
// trace does, it keeps 3 frames in flight (a framebuffer each), so that
// one frame's last tiles overlap the next one's first; hosts=3/sequential
// renders one frame at a time, and pays each frame's tail. It reports the
// master process's CPU per task (master-µs/task, the embedded NATS server
// included) and, with hosts, per task a host ran (master-µs/remote-task:
// what the master spent beyond the local tasks' share, at the master
// alone's cost per task) and the bytes its connection carried
// (link-B/remote-task: the job out, the tile and the result back, and the
// heartbeats' share).
func BenchmarkClusterFrames(b *testing.B) {
	var alonePerTask float64
	for _, c := range []struct {
		name            string
		hosts, inFlight int
	}{{"master-alone", 0, 3}, {"hosts=3", 3, 3}, {"hosts=3/sequential", 3, 1}} {
		b.Run(c.name, func(b *testing.B) {
			perTask := benchFrames(b, c.hosts, c.inFlight, alonePerTask)
			if c.hosts == 0 {
				alonePerTask = perTask
			}
		})
	}
}

// benchFrames runs b.N frames, inFlight at a time, with hosts hosts of two
// workers and returns the master's CPU seconds per task.
func benchFrames(b *testing.B, hosts, inFlight int, localPerTask float64) float64 {
	m := startMaster(b, 2, &cluster.Options{NoHedge: true})
	_, err := m.pool.Arena().Alloc(benchFB, 4*benchW*benchH, arena.KindBytes)
	require.NoError(b, err)
	for range hosts {
		startHost(b, m.c.URL(), 2)
	}
	m.waitHosts(b, hosts)
	ctx := context.Background()
	jobs := benchTiles()
	o := &runtime.MapOptions{Chunk: 1, InFlight: len(jobs)}
	frame := func() {
		if _, err := runtime.Map(ctx, m.pool, sleepTile, jobs, o); err != nil {
			b.Error(err)
		}
	}
	frame() // the hosts' first tasks, and the workers' first pages
	st0, cpu0 := m.pool.Stats(), cpuTime()
	out0, in0 := m.c.Traffic()
	b.ResetTimer()
	start := time.Now()
	frames := make(chan struct{}, b.N)
	for range b.N {
		frames <- struct{}{}
	}
	close(frames)
	var wg sync.WaitGroup
	for range inFlight {
		wg.Go(func() {
			for range frames {
				frame()
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	cpu, st := cpuTime()-cpu0, m.pool.Stats()
	out, in := m.c.Traffic()
	tasks := float64(st.Tasks - st0.Tasks)
	var remote float64
	for i, h := range st.Hosts {
		remote += float64(h.Tasks - st0.Hosts[i].Tasks)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "frames/s")
	b.ReportMetric(cpu.Seconds()/tasks*1e6, "master-µs/task")
	if remote > 0 {
		b.ReportMetric(remote/float64(b.N), "remote-tasks/frame")
		b.ReportMetric(float64(out-out0+in-in0)/remote, "link-B/remote-task")
		if localPerTask > 0 {
			b.ReportMetric((cpu.Seconds()-(tasks-remote)*localPerTask)/remote*1e6, "master-µs/remote-task")
		}
	}
	return cpu.Seconds() / tasks
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkHostLossNotice SIGKILLs an idle host on loopback and times how
// long the master takes to give up on it (notice-ms, from the signal to
// the pool's OnWorkerExit): the server sees the connection close and tells
// the master at once; a heartbeat would take HostTimeout. Each op starts a
// host first, untimed.
func BenchmarkHostLossNotice(b *testing.B) {
	lost := make(chan time.Time, 1)
	var m *master
	var total time.Duration
	b.ResetTimer()
	b.StopTimer()
	for i := range b.N {
		if i%256 == 0 { // a lost host keeps its slot: a fresh master before MaxHosts
			if m != nil {
				m.close()
			}
			m = startMaster(b, 1, nil)
			m.pool.OnWorkerExit(func(e runtime.WorkerExit) {
				if e.Host != "" && !e.Graceful {
					select {
					case lost <- time.Now():
					default:
					}
				}
			})
		}
		h := startHost(b, m.c.URL(), 1)
		m.waitHosts(b, 1)
		b.StartTimer()
		start := time.Now()
		h.cmd.Process.Kill()
		at := <-lost
		b.StopTimer()
		total += at.Sub(start)
		require.True(b, h.exited(10*time.Second))
	}
	b.ReportMetric(total.Seconds()*1e3/float64(b.N), "notice-ms")
}
