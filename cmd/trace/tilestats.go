package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"sync"

	"github.com/shmrun/shmrun/proxy"
	"github.com/shmrun/shmrun/runtime"
)

// The tile statistics are an object in the master, served through package
// proxy: every tile kernel, in whatever worker process, posts a report of
// each tile it rendered to it (which worker, how long, how many rays), and
// the -stats file gets a per-worker breakdown and tile time percentiles
// from what arrived. The kernels' own results only say what was rendered,
// not by whom.
//
// A report is a lazy one-way call (proxy's PostLazy): the kernel does not
// wait for the master to run it, which on a machine whose cores all run
// kernels would wait for the scheduler to give the master a core, and does
// not wake the master for it either, which would cost the kernel a system
// call and preempt a worker. The master drains its hub before it closes a
// frame's reports: a kernel posts its report before it returns its result,
// so when the frame's last result has arrived every report of the frame is
// either run or pending, and Drain runs what is pending.

// tileStatsName is the name the master serves its tile statistics under.
const tileStatsName = "trace.tiles"

// tileReport is what a tile kernel tells the master about one tile.
type tileReport struct {
	Frame, Worker, PID int32
	X0, Y0             int32
	Rays, Samples      uint64
	Nanos              int64
}

// tileKey identifies a tile within its frame.
func (r tileReport) tileKey() int64 { return int64(r.Y0)<<32 | int64(uint32(r.X0)) }

// hubOptions size the pool's proxy hub for cmd/trace: the tile kernels
// post one small report at a time each.
var hubOptions = proxy.Options{Objects: 4, MaxMessage: 256, Handlers: 2}

// tileLogArena is the room the hub takes in the arena, for the arena's
// size.
func tileLogArena(workers int) int { return proxy.ArenaSize(workers, &hubOptions) }

// tileLog is the master's tile statistics: the reports of the frames
// being rendered, kept per tile until the frame is done (a tile re-run
// after its worker crashed is reported twice; the last report counts),
// then folded into per-worker totals. Its methods are safe for concurrent
// use: the proxy's handlers report while frames begin and end.
type tileLog struct {
	hub *proxy.Hub

	mu      sync.Mutex
	open    map[int32]map[int64]tileReport // frame -> tile -> report
	workers map[int32]*workerTiles
	all     durationHist
	late    uint64 // reports for no frame being rendered (a warm-up frame's)
}

// workerTiles sums the tiles one worker slot rendered, whichever of its
// processes (the first, its replacements after crashes) rendered them.
type workerTiles struct {
	pids  []int32 // its processes, each once, in the order first seen
	tiles uint64
	rays  uint64
	nanos int64
	hist  durationHist
}

// openTileLog makes the pool's proxy hub and serves the tile statistics
// in the master; the session adds their keys to its -stats object.
func openTileLog(ctx context.Context, s *session) (*tileLog, error) {
	hub, err := proxy.New(s.pool, &hubOptions)
	if err != nil {
		return nil, err
	}
	l := &tileLog{hub: hub}
	l.reset()
	svc := proxy.NewService(tileStatsName)
	proxy.Method(svc, "report", func(_ context.Context, r tileReport) (struct{}, error) {
		return struct{}{}, l.report(r)
	})
	if err := hub.Serve(ctx, svc); err != nil {
		hub.Close()
		return nil, err
	}
	s.moreStats = append(s.moreStats, l.addKeys)
	return l, nil
}

// close closes the hub; it must come before the pool's Close.
func (l *tileLog) close() {
	if l != nil {
		l.hub.Close()
	}
}

// reset forgets everything: a new run begins.
func (l *tileLog) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open = map[int32]map[int64]tileReport{}
	l.workers = map[int32]*workerTiles{}
	l.all = durationHist{}
	l.late = 0
}

// begin opens frame n for reports.
func (l *tileLog) begin(n int) {
	l.mu.Lock()
	l.open[int32(n)] = map[int64]tileReport{}
	l.mu.Unlock()
}

// drain waits until the reports posted so far have been recorded: call it
// once a frame's tiles have all returned, before end.
func (l *tileLog) drain(ctx context.Context) error {
	if err := l.hub.Drain(ctx); err != nil {
		return fmt.Errorf("tile statistics: %w", err)
	}
	return nil
}

// end closes frame n: a rendered frame's reports count, a failed one's
// are dropped.
func (l *tileLog) end(n int, rendered bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	tiles := l.open[int32(n)]
	delete(l.open, int32(n))
	if !rendered {
		return
	}
	for _, r := range tiles {
		w := l.workers[r.Worker]
		if w == nil {
			w = &workerTiles{}
			l.workers[r.Worker] = w
		}
		// A frame whose worker was replaced has tiles of both processes,
		// in no order: each is listed once, when first seen.
		if !slices.Contains(w.pids, r.PID) {
			w.pids = append(w.pids, r.PID)
		}
		w.tiles++
		w.rays += r.Rays
		w.nanos += r.Nanos
		w.hist.add(r.Nanos)
		l.all.add(r.Nanos)
	}
}

// report records a tile; it is the served method.
func (l *tileLog) report(r tileReport) error {
	if r.Worker < 0 || r.Nanos < 0 {
		return fmt.Errorf("tile report from worker %d of %d ns", r.Worker, r.Nanos)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	tiles, ok := l.open[r.Frame]
	if !ok {
		l.late++
		return nil
	}
	tiles[r.tileKey()] = r
	return nil
}

// workerJSON is one worker slot's line in the -stats file.
type workerJSON struct {
	Worker     int     `json:"worker"`
	PIDs       []int32 `json:"pids"`
	Tiles      uint64  `json:"tiles"`
	Rays       uint64  `json:"rays"`
	BusyMS     float64 `json:"busy_ms"`
	RaysPerSec float64 `json:"rays_per_busy_sec"`
	TileMSP50  float64 `json:"tile_ms_p50"`
	TileMSP99  float64 `json:"tile_ms_p99"`
}

// addKeys adds the tile statistics to the -stats object: tile time
// percentiles over all tiles, and a line per worker slot.
func (l *tileLog) addKeys(m map[string]any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ws := make([]workerJSON, 0, len(l.workers))
	for id, w := range l.workers {
		j := workerJSON{Worker: int(id), PIDs: w.pids, Tiles: w.tiles, Rays: w.rays, BusyMS: float64(w.nanos) / 1e6,
			TileMSP50: w.hist.percentile(50), TileMSP99: w.hist.percentile(99)}
		if w.nanos > 0 {
			j.RaysPerSec = float64(w.rays) / (float64(w.nanos) / 1e9)
		}
		ws = append(ws, j)
	}
	slices.SortFunc(ws, func(a, b workerJSON) int { return a.Worker - b.Worker })
	m["per_worker"] = ws
	m["tiles_reported"] = l.all.n
	m["tile_reports_late"] = l.late
	m["tile_ms_p50"] = l.all.percentile(50)
	m["tile_ms_p99"] = l.all.percentile(99)
}

// durationHist counts durations in buckets 1/16 of an octave wide (4.4%),
// from 1 ns to 2^40 ns: percentiles of any number of tiles in 5 KiB.
type durationHist struct {
	n      uint64
	counts [histBuckets]uint64
}

const (
	histPerOctave = 16
	histBuckets   = 40 * histPerOctave
)

func (h *durationHist) add(ns int64) {
	b := 0
	if ns > 1 {
		b = min(int(histPerOctave*math.Log2(float64(ns))), histBuckets-1)
	}
	h.counts[b]++
	h.n++
}

// percentile returns the nearest-rank p-th percentile (0 < p <= 100) in
// milliseconds, as the geometric middle of its bucket (within 2.2%), or 0
// for no durations.
func (h *durationHist) percentile(p float64) float64 {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(p / 100 * float64(h.n)))
	var seen uint64
	for b, c := range h.counts {
		if seen += c; seen >= max(rank, 1) {
			return math.Exp2((float64(b)+0.5)/histPerOctave) / 1e6
		}
	}
	return 0 // unreachable: the counts add up to n
}

// reporters is this process's stub for the master's tile statistics, made
// by the first tile report and kept for the pool's life.
// A remote host's pool has no hub (see cluster.go): its stub is nil, and
// the master counts its tiles from their results.
var reporters = runtime.NewLocal(func(s *runtime.Scope) (*proxy.Stub[tileReport, struct{}], error) {
	hub, err := proxy.OpenScope(s)
	if errors.Is(err, proxy.ErrNoHub) && s.Worker() >= 0 {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	obj, err := hub.Dial(tileStatsName)
	if err != nil {
		return nil, err
	}
	return proxy.NewStub[tileReport, struct{}](obj, "report"), nil
}, nil)

// selfPID is this process's id, read once: os.Getpid is a system call.
var selfPID = int32(os.Getpid())

// reportTile posts to the master's tile statistics a report of a tile this
// kernel rendered, without waiting for the master to record it or waking
// it: a lazy post to
// an object in another process (the master), except in goroutine mode,
// where the report is recorded on the kernel's goroutine.
func reportTile(env *runtime.Env, r tileReport) error {
	stub, err := reporters.Get(env.Scope())
	if err != nil {
		return fmt.Errorf("tile statistics: %w", err)
	}
	if stub == nil {
		return nil // on a host
	}
	r.Worker, r.PID = int32(env.Worker()), selfPID
	return stub.PostLazy(env.Context(), r)
}
