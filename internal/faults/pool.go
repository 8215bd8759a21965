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

// Tally is a slog.Handler (for runtime.Options.Logger) that counts records
// by message and by the start of their "reason" attribute, up to its first
// digit, so that a test can say how its faults were noticed. Its zero value
// is ready; it is safe for concurrent use.
type Tally struct {
	mu     sync.Mutex
	counts map[string]int
}

// Enabled reports true for every level.
func (t *Tally) Enabled(context.Context, slog.Level) bool { return true }

// Handle counts r.
func (t *Tally) Handle(_ context.Context, r slog.Record) error {
	key := r.Message
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "reason" {
			s := a.Value.String()
			if i := strings.IndexAny(s, "0123456789"); i >= 0 {
				s = s[:i]
			}
			key += " (" + strings.TrimRight(s, " :") + ")"
		}
		return true
	})
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.counts == nil {
		t.counts = map[string]int{}
	}
	t.counts[key]++
	return nil
}

// WithAttrs returns t: attributes added by the logger are not counted.
func (t *Tally) WithAttrs([]slog.Attr) slog.Handler { return t }

// WithGroup returns t.
func (t *Tally) WithGroup(string) slog.Handler { return t }

// String lists the counts, one "n message (reason)" per line, sorted.
func (t *Tally) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := make([]string, 0, len(t.counts))
	for k, n := range t.counts {
		lines = append(lines, fmt.Sprintf("%5d %s", n, k))
	}
	slices.SortFunc(lines, func(a, b string) int { return strings.Compare(a[6:], b[6:]) })
	return strings.Join(lines, "\n")
}
