package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	goruntime "runtime"
	"slices"
	"strings"
	"time"

	"github.com/shmrun/shmrun/cluster"
	"github.com/shmrun/shmrun/cmd/trace/internal/render"
	"github.com/shmrun/shmrun/runtime"
)

// More than one machine: a master (-cluster ADDR or -nats URL) sends
// tiles to hosts (-join ADDR), each the same binary running a pool of its
// own. A tile's kernel declares what it touches (tileFootprint): the
// scene, which reaches each host once through the Object Store, and the
// rectangles of the framebuffer (and accumulation buffers) it writes,
// which come back with its result and land at the same place in the
// master's framebuffer. A tile reports its statistics to the master's
// tile log only from this machine: a host's pool has no hub, and the
// master counts the tiles of each host from their results instead.

// viewRegions are the regions a tile kernel opens at once (openViews).
var viewRegions = func() []string {
	names := []string{sceneRegion}
	for i := range slots {
		names = append(names, fbRegion(i))
	}
	return append(names, accRegion(0), accRegion(1))
}()

// tileFootprint is what the task of job j touches in the arena: it reads
// the scene (shared) and, for a pass that continues a sum, the previous
// sums of its rectangle; it writes its rectangle of the framebuffer and,
// for a pass that keeps sums, of the accumulation buffer it sums into;
// with a G-buffer, it writes its rectangle of that too, and a pattern that
// fills from the previous frame reads that frame's pixels and G-buffer
// whole (a pixel's place in it can be anywhere).
func tileFootprint(j tileJob) runtime.Footprint {
	fp := runtime.Footprint{Shared: viewRegions[:1], Needs: viewRegions[1:],
		Writes: []runtime.Span{tileRect(j, fbRegion(int(j.Slot)), 4)}}
	if j.AccOut >= 0 {
		fp.Writes = append(fp.Writes, tileRect(j, accRegion(int(j.AccOut)), 16))
	}
	if j.AccIn >= 0 {
		fp.Reads = append(fp.Reads, tileRect(j, accRegion(int(j.AccIn)), 16))
	}
	if j.GBuf == 1 || j.HistGBuf == 1 {
		for i := range slots {
			fp.Needs = append(fp.Needs, gbufRegion(i))
		}
	}
	if j.GBuf == 1 {
		fp.Writes = append(fp.Writes, tileRect(j, gbufRegion(int(j.Slot)), 4*render.GBufWords))
	}
	n := int(j.W) * int(j.H)
	if j.HistSlot >= 0 { // filling from a previous frame: the whole of it
		fp.Reads = append(fp.Reads, runtime.Span{Region: fbRegion(int(j.HistSlot)), Len: 4 * n, Count: 1})
	}
	if j.HistSlot >= 0 && j.HistGBuf == 1 {
		fp.Reads = append(fp.Reads, runtime.Span{Region: gbufRegion(int(j.HistSlot)), Len: 4 * render.GBufWords * n, Count: 1})
	}
	return fp
}

// tileRect is job j's rectangle of a row-major buffer of size bytes a
// pixel: a row of the tile per block.
func tileRect(j tileJob, region string, size int) runtime.Span {
	w := int(j.W)
	return runtime.Span{Region: region, Offset: (int(j.Y0)*w + int(j.X0)) * size, Len: int(j.X1-j.X0) * size,
		Stride: w * size, Count: int(j.Y1 - j.Y0)}
}

// hostTiles is the master's count of the tiles its hosts rendered in the
// latest run.
type hostTiles struct {
	base      map[int]uint64 // each host slot's tasks when the run began
	published time.Duration  // hashing the scene and putting it in the Object Store
}

// openCluster opens the pool to hosts when -cluster or -nats asks, then
// waits for -hosts of them, at most -host-wait: the first frame starts
// with what joined by then.
func (s *session) openCluster(ctx context.Context) error {
	cfg := s.cfg
	if cfg.listen == "" && cfg.natsURL == "" {
		return nil
	}
	o := &cluster.Options{Listen: cfg.listen, URL: cfg.natsURL, Token: cfg.token}
	adjustClusterOptions(o)
	c, err := cluster.Serve(ctx, s.pool, o)
	if errors.Is(err, cluster.ErrNoToken) {
		return badInput(err)
	}
	if err != nil {
		return err
	}
	s.cluster = c
	s.moreStats = append(s.moreStats, s.addHostKeys)
	start := time.Now()
	if err := c.Share(ctx, sceneRegion); err != nil {
		return err
	}
	s.hostTiles.published = time.Since(start)
	if cfg.hosts == 0 {
		return nil
	}
	wctx, cancel := context.WithTimeout(ctx, cfg.hostWait)
	defer cancel()
	if n := c.WaitHosts(wctx, cfg.hosts); n < cfg.hosts {
		if err := ctx.Err(); err != nil {
			return context.Cause(ctx)
		}
		if !cfg.quiet {
			fmt.Fprintf(s.stderr, "trace: %d of %d hosts joined within %v; rendering with %d\n", n, cfg.hosts, cfg.hostWait, n)
		}
	}
	return nil
}

// width is how many tiles the pool renders at once: its workers and its
// hosts' workers (-workers before the pool starts).
func (s *session) width() int {
	if s.pool == nil {
		return s.cfg.workers
	}
	return s.pool.Capacity()
}

// beginHostTiles starts counting the hosts' tiles for a run.
func (s *session) beginHostTiles() {
	s.hostTiles.base = map[int]uint64{}
	for _, h := range s.pool.Stats().Hosts {
		s.hostTiles.base[h.Worker] = h.Tasks
	}
}

// hostJSON is one host's line in the -stats file.
type hostJSON struct {
	Host     string `json:"host"`
	PID      int    `json:"pid"`
	Capacity int    `json:"workers"`
	Tiles    uint64 `json:"tiles"`
	Alive    bool   `json:"alive"`
}

// addHostKeys adds the hosts to the -stats object: how many joined and
// were lost, and the tiles each rendered in the run.
func (s *session) addHostKeys(m map[string]any) {
	hosts := s.pool.Stats().Hosts
	per := make([]hostJSON, 0, len(hosts))
	lost := 0
	for _, h := range hosts {
		if !h.Alive {
			lost++
		}
		per = append(per, hostJSON{Host: h.Name, PID: h.PID, Capacity: h.Capacity, Tiles: h.Tasks - s.hostTiles.base[h.Worker], Alive: h.Alive})
	}
	slices.SortFunc(per, func(a, b hostJSON) int { return strings.Compare(a.Host, b.Host) })
	m["hosts"] = map[string]any{"joined": len(hosts), "lost": lost, "per_host": per,
		"scene_publish_ms": float64(s.hostTiles.published.Microseconds()) / 1e3}
}

// closeCluster closes the cluster, after the pool: the pool's Close tells
// its hosts to leave.
func (s *session) closeCluster() error {
	if s.cluster == nil {
		return nil
	}
	return s.cluster.Close()
}

// runHost is trace -join: this process joins the master at cfg.join and
// renders what it sends until the master is done with it. It logs its
// joins and losses on stderr, unless -q.
func runHost(ctx context.Context, cfg config, stderr io.Writer) int {
	o := &cluster.HostOptions{Token: cfg.token, Workers: cfg.workers, Rejoin: cfg.rejoin,
		Pool: func(po *runtime.Options) { po.PinWorkers = cfg.pin && cfg.workers <= goruntime.NumCPU() }}
	if !cfg.quiet {
		o.Logger = slog.New(slog.NewTextHandler(stderr, nil))
	}
	err := cluster.Join(ctx, cfg.join, o)
	if in, ok := errors.AsType[*interrupted](context.Cause(ctx)); ok {
		return in.status()
	}
	if err != nil {
		fmt.Fprintln(stderr, "trace: host:", err)
	}
	return cluster.ExitStatus(err)
}

// hostWaitDefault is -host-wait's default.
const hostWaitDefault = 30 * time.Second

// clusterConfig is what the cluster flags ask for.
type clusterConfig struct {
	join     string        // -join: be a host of the master there
	rejoin   bool          // -rejoin: a host that lost its master waits for the next
	token    string        // -token, default SHMRUN_TOKEN
	listen   string        // -cluster: the embedded server's address
	natsURL  string        // -nats: an external server instead
	hosts    int           // -hosts: wait for this many before the first frame
	hostWait time.Duration // -host-wait: at most this long
}

// clusterFlags adds the cluster's flags to fs.
func clusterFlags(fs *flag.FlagSet, c *clusterConfig) {
	fs.StringVar(&c.join, "join", "", "be a host: render for the master whose server is at `nats://HOST:PORT` (with -workers, -token)")
	fs.BoolVar(&c.rejoin, "rejoin", false, "with -join: when the master goes away, wait for the next one instead of exiting")
	fs.StringVar(&c.token, "token", "", "the cluster's secret `TOKEN` (default $"+cluster.EnvToken+"); needed beyond 127.0.0.1")
	fs.StringVar(&c.listen, "cluster", "", "be a master: take hosts at `HOST:PORT` (an embedded NATS server)")
	fs.StringVar(&c.natsURL, "nats", "", "be a master through the NATS server at `URL` instead of an embedded one (see trace nats)")
	fs.IntVar(&c.hosts, "hosts", 0, "with -cluster or -nats: wait for `N` hosts before the first frame")
	fs.DurationVar(&c.hostWait, "host-wait", hostWaitDefault, "with -hosts: wait at most `DURATION` (such as 30s or 2m) for them")
}

// checkCluster checks the cluster flags; set tells which flags were given.
func (c *clusterConfig) checkCluster(set map[string]bool) error {
	if c.token == "" {
		c.token = os.Getenv(cluster.EnvToken) // read here: -h must not show it
	}
	switch {
	case c.join != "" && (c.listen != "" || c.natsURL != ""):
		return fmt.Errorf("-join makes a host, -cluster and -nats a master: give one")
	case c.listen != "" && c.natsURL != "":
		return fmt.Errorf("-cluster starts a NATS server, -nats uses one: give one")
	case c.hosts < 0 || c.hosts > 1024:
		return fmt.Errorf("-hosts %d: want 0 to 1024", c.hosts)
	case c.hosts > 0 && c.listen == "" && c.natsURL == "":
		return fmt.Errorf("-hosts needs -cluster or -nats")
	case c.hostWait <= 0:
		return fmt.Errorf("-host-wait %v: want a positive duration", c.hostWait)
	case c.rejoin && c.join == "":
		return fmt.Errorf("-rejoin needs -join")
	}
	var err error
	switch {
	case c.join != "":
		err = cluster.CheckJoin(c.join, c.token)
	case c.listen != "":
		err = cluster.CheckListen(c.listen, c.token)
	}
	if err != nil {
		return err
	}
	if c.join != "" {
		for name := range set {
			if !hostFlags[name] {
				return fmt.Errorf("-%s does not apply with -join: a host renders what its master sends (it takes -workers, -token, -rejoin and -q)", name)
			}
		}
	}
	return nil
}

// hostFlags are the flags that apply to a host.
var hostFlags = map[string]bool{"join": true, "rejoin": true, "workers": true, "token": true, "q": true, "pin": true}

// runNATS is trace nats: a NATS server of the version trace embeds, for
// masters (-nats URL) and hosts (-join URL), until SIGINT or SIGTERM.
func runNATS(ctx context.Context, args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("trace nats", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // a bad flag is one line, below; -h prints the usage
	fs.Usage = func() {}
	listen := fs.String("listen", "127.0.0.1:4222", "listen at `HOST:PORT`")
	token := fs.String("token", "", "the clients' `TOKEN` (default $"+cluster.EnvToken+"); needed beyond 127.0.0.1")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stderr, "Usage: trace nats [-listen HOST:PORT] [-token TOKEN]")
			fs.SetOutput(stderr)
			fs.PrintDefaults()
			return 0
		}
		fmt.Fprintln(stderr, "trace nats:", flagError(fs, args, err))
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "trace nats: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if *token == "" {
		*token = os.Getenv(cluster.EnvToken)
	}
	srv, err := cluster.StartServer(cluster.ServerOptions{Listen: *listen, Token: *token})
	if err != nil {
		fmt.Fprintln(stderr, "trace nats:", err)
		if errors.Is(err, cluster.ErrNoToken) {
			return 2
		}
		return 1
	}
	fmt.Fprintf(stderr, "trace nats: listening at %s (JetStream, memory storage); Ctrl-C stops it\n", srv.URL())
	<-ctx.Done()
	srv.Close()
	return 0
}
