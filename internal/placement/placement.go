// Package placement measures how far apart the scheduler put two processes
// on this machine right now, so that a cross-process benchmark can say in
// which placement it ran. The two vCPUs of a virtual machine may sit on
// cores that share a cache or on cores that do not, and the host moves them
// every few seconds: the same cache line bounced between two processes
// takes several times longer in the far placement, and every cross-process
// figure moves with it. Comparisons are only fair within one placement.
//
// The probe is a helper process, the test binary re-executed, that bounces
// one shared word with the caller: Bounce reports the round trip. A test
// binary that uses the package calls Serve first thing in TestMain.
package placement

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/shmrun/shmrun/internal/futex"
)

// envChild marks the helper process; the shared page is its fd 3.
const envChild = "SHMRUN_PLACEMENT_PROBE"

// Rounds is how many round trips one run of a probe times, after warmUp
// more that wake the helper and warm the line; Bounce takes the median of
// three runs, a millisecond or two in either placement.
const (
	Rounds = 500
	warmUp = 100
)

// Near is the round trip below which a probe counts as the near placement:
// between the round trips of the two placements of this project's 2-vCPU
// machine, whose medians BENCHMARKS.md's Placement section reports.
const Near = 250 * time.Nanosecond

// page is the shared memory: the bounced word on the first line, the
// helper's orders on the second.
type page struct {
	ping   atomic.Uint64
	_      [56]byte
	gen    atomic.Uint32 // futex word: bumped for each probe
	rounds atomic.Uint32
	ready  atomic.Uint32 // the helper is up
}

// patience bounds how long a probe waits for the helper: to start, and to
// answer a bounce (a loaded machine may leave it off the CPU for a while).
const patience = 10 * time.Second

// await polls w until it holds want or patience runs out, reading the
// clock only every few thousand polls.
func await(w *atomic.Uint64, want uint64) bool {
	var deadline time.Time
	for n := 1; w.Load() != want; n++ {
		if n%4096 == 0 {
			switch now := time.Now(); {
			case deadline.IsZero():
				deadline = now.Add(patience)
			case now.After(deadline):
				return false
			}
		}
	}
	return true
}

var probe struct {
	once sync.Once
	mu   sync.Mutex
	p    *page
	err  error
}

// Bounce returns the time one cache line takes to go to the helper process
// and back, the median of a few runs of Rounds round trips. It starts the
// helper on first use; the helper exits with this process. Concurrent
// calls take turns.
func Bounce() (time.Duration, error) {
	probe.once.Do(func() { probe.p, probe.err = start() })
	if probe.err != nil {
		return 0, probe.err
	}
	probe.mu.Lock()
	defer probe.mu.Unlock()
	var runs [3]time.Duration
	for i := range runs {
		d, err := bounce(probe.p)
		if err != nil {
			return 0, err
		}
		runs[i] = d
	}
	return median3(runs), nil
}

func median3(r [3]time.Duration) time.Duration {
	a, b, c := r[0], r[1], r[2]
	return max(min(a, b), min(max(a, b), c))
}

// ErrNoHelper is returned when the helper process does not answer.
var ErrNoHelper = errors.New("placement: the probe's helper process does not answer")

// bounce runs one probe: warmUp+Rounds round trips, the last Rounds timed.
func bounce(p *page) (time.Duration, error) {
	p.ping.Store(0)
	p.rounds.Store(warmUp + Rounds)
	p.gen.Add(1)
	futex.Wake(&p.gen, 1)
	var start time.Time
	for i := range uint64(warmUp + Rounds) {
		if i == warmUp {
			start = time.Now()
		}
		p.ping.Store(2*i + 1)
		if !await(&p.ping, 2*i+2) {
			return 0, ErrNoHelper
		}
	}
	return time.Since(start) / Rounds, nil
}

func start() (*page, error) {
	fd, err := unix.MemfdCreate("shmrun-placement", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("placement: %w", err)
	}
	f := os.NewFile(uintptr(fd), "shmrun-placement")
	defer f.Close()
	p, err := mapPage(fd)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envChild+"=1")
	cmd.ExtraFiles = []*os.File{f}
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("placement: %w", err)
	}
	go cmd.Wait() //nolint:errcheck // the helper lives as long as this process
	start := time.Now()
	for p.ready.Load() == 0 {
		if time.Since(start) > patience {
			return nil, ErrNoHelper
		}
		time.Sleep(time.Millisecond)
	}
	return p, nil
}

func mapPage(fd int) (*page, error) {
	size := os.Getpagesize()
	if err := unix.Ftruncate(fd, int64(size)); err != nil {
		return nil, fmt.Errorf("placement: %w", err)
	}
	b, err := unix.Mmap(fd, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("placement: %w", err)
	}
	return (*page)(unsafe.Pointer(&b[0])), nil
}

// Serve makes this process the probe's helper if it was started as one:
// it then answers probes until its parent exits, and never returns.
// Otherwise it returns at once. Call it first thing in TestMain.
func Serve() {
	if os.Getenv(envChild) == "" {
		return
	}
	p, err := mapPage(3)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	parent := os.Getppid()
	p.ready.Store(1)
	var seen uint32
	for {
		futex.WaitLong(&p.gen, seen, time.Second)
		if os.Getppid() != parent {
			os.Exit(0)
		}
		if g := p.gen.Load(); g != seen {
			seen = g
			answer(p, uint64(p.rounds.Load()))
		}
	}
}

// answer bounces the word back rounds times, giving up if the caller
// stops.
func answer(p *page, rounds uint64) {
	for i := range rounds {
		if !await(&p.ping, 2*i+1) {
			return
		}
		p.ping.Store(2*i + 2)
	}
}
