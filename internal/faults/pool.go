package faults

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/shmrun/shmrun/runtime"
)

// Workers returns a Targets function for a pool: the PIDs of its workers
// that are ready to take tasks.
func Workers(p *runtime.Pool) func() []int {
	return func() []int {
		var pids []int
		for _, w := range p.Stats().Workers {
			if w.Alive && w.PID > 0 {
				pids = append(pids, w.PID)
			}
		}
		return pids
	}
}

// Hosts returns a Targets function for a pool: the PIDs of the remote
// hosts (on loopback, processes of this machine) it sends tasks to.
func Hosts(p *runtime.Pool) func() []int {
	return func() []int {
		var pids []int
		for _, h := range p.Stats().Hosts {
			if h.Alive && h.PID > 0 {
				pids = append(pids, h.PID)
			}
		}
		return pids
	}
}

// AwaitRecovery waits up to timeout for pool p to recover from the faults
// in rep: every victim gone (killed and reaped, the stopped ones included),
// replaced, and every worker ready again. Its error says what is still
// missing.
//
// A victim that is gone from the system is not yet handled by the pool: the
// pool reaps a process first and only then marks its slot down, counts the
// crash and starts a replacement, so for a moment the slot of a reaped
// victim still reads as alive. Only a slot that holds another process has
// been through all of that.
func AwaitRecovery(p *runtime.Pool, rep Report, timeout time.Duration) error {
	victims := map[int]bool{}
	for _, f := range rep.Faults {
		victims[f.PID] = true
	}
	deadline := time.Now().Add(timeout)
	for {
		survivors := rep.Survivors()
		down, unreplaced := 0, 0
		for _, w := range p.Stats().Workers {
			switch {
			case victims[w.PID]:
				unreplaced++
			case !w.Alive:
				down++
			}
		}
		if len(survivors) == 0 && down == 0 && unreplaced == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("after %v: victims still there: %v; workers not replaced: %d; workers not ready: %d",
				timeout, survivors, unreplaced, down)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Log is a slog.Handler (for runtime.Options.Logger) that keeps the last
// records a pool logged, one line each, for a test to print when it fails.
// Tests match on values (Deaths), never on these words. Its zero value is
// ready; it is safe for concurrent use.
type Log struct {
	mu    sync.Mutex
	lines []string
}

// logKeep bounds the lines a Log keeps.
const logKeep = 200

// Enabled reports true for every level.
func (l *Log) Enabled(context.Context, slog.Level) bool { return true }

// Handle keeps r as a line of text.
func (l *Log) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", r.Level, r.Message)
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.lines) == logKeep {
		l.lines = slices.Delete(l.lines, 0, 1)
	}
	l.lines = append(l.lines, b.String())
	return nil
}

// WithAttrs returns l: attributes added by the logger are not kept.
func (l *Log) WithAttrs([]slog.Attr) slog.Handler { return l }

// WithGroup returns l.
func (l *Log) WithGroup(string) slog.Handler { return l }

// String returns the kept lines.
func (l *Log) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}
