package main

import (
	"context"
	"net"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/shmrun/shmrun/runtime"
)

// Kernels of BenchmarkSceneDistribution: hold keeps the local worker busy
// (it is not Remote), so that probe, which names the scene as shared, goes
// to the host.
var (
	benchHold = runtime.Register("trace.bench.hold", func(env *runtime.Env, _ int) (int, error) {
		<-env.Context().Done()
		return 0, nil
	})
	benchProbe = runtime.Register("trace.bench.probe", func(env *runtime.Env, _ int) (int, error) {
		r, err := env.Arena().Region(sceneRegion)
		return r.Len(), err
	}).Remote(func(int) runtime.Footprint { return runtime.Footprint{Shared: []string{sceneRegion}} })
)

// BenchmarkSceneDistribution times how the terrain scene (its compiled
// blob, 27 MiB) reaches a host on loopback: publish-ms to hash it and put
// it in the embedded server's Object Store (once per master), fetch-ms for
// the host to fetch it into its arena and check its hash (once per host:
// the first task that names it there, less the same task once it is
// there). Each op is a master and a host, started untimed.
func BenchmarkSceneDistribution(b *testing.B) {
	var publish, fetch time.Duration
	var size int
	for range b.N {
		p, f, n := distributeScene(b)
		publish, fetch, size = publish+p, fetch+f, n
	}
	b.ReportMetric(publish.Seconds()*1e3/float64(b.N), "publish-ms")
	b.ReportMetric(fetch.Seconds()*1e3/float64(b.N), "fetch-ms")
	b.ReportMetric(float64(size)/(1<<20), "MiB")
}

func distributeScene(b *testing.B) (publish, fetch time.Duration, size int) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	host := exec.Command("/proc/self/exe", "-test.run=^$")
	host.Env = append(os.Environ(), runtime.EnvJoin+"=nats://"+addr, "GOMAXPROCS=1")
	if err := host.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { host.Process.Kill(); host.Wait() }()
	s, done := benchSession(b, "-scene", "terrain", "-size", "64x36", "-workers", "1", "-q", "-cluster", addr, "-hosts", "1")
	defer done() // before the host is killed: it leaves when told
	ctx := context.Background()
	hctx, release := context.WithCancel(ctx)
	defer release()
	if _, err := benchHold.Submit(hctx, s.pool, 0); err != nil {
		b.Fatal(err)
	}
	var took [2]time.Duration
	for i := range took {
		start := time.Now()
		n, err := benchProbe.Run(ctx, s.pool, 0)
		if err != nil {
			b.Fatal(err)
		}
		took[i], size = time.Since(start), n
	}
	if st := s.pool.Stats(); st.Hosts[0].Tasks != 2 {
		b.Fatalf("the probes ran elsewhere than on the host: %+v", st.Hosts)
	}
	return s.hostTiles.published, took[0] - took[1], size
}
