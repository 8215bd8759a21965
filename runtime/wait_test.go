package runtime_test

import (
	"cmp"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/runtime"
)

// sumAll adds up everything on the channel until it is closed and
// drained, ranging over it.
var sumAll = runtime.Register("test.sumAll", func(env *runtime.Env, ref runtime.ChanRef) (int, error) {
	in, err := runtime.OpenChan[int](env, ref)
	if err != nil {
		return 0, err
	}
	sum := 0
	for v, err := range in.All(env.Context()) {
		if err != nil {
			return sum, err
		}
		sum += v
	}
	return sum, nil
})

func TestChanAllEndsWhenClosedAndDrained(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			p := startPool(t, runtime.Options{Mode: mode, Workers: 1})
			ctx := ctxTimeout(t, 30*time.Second)
			ch, err := runtime.NewChan[int](p, "all", 8, 16)
			require.NoError(t, err)
			f, err := sumAll.Submit(ctx, p, ch.Ref())
			require.NoError(t, err)
			for i := 1; i <= 100; i++ {
				require.NoError(t, ch.Send(ctx, i))
			}
			ch.Close()
			sum, err := f.Wait(ctx)
			require.NoError(t, err)
			assert.Equal(t, 5050, sum)

			// In the master too; a context that ends is yielded once.
			short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
			defer cancel()
			other, err := runtime.NewChan[int](p, "all2", 8, 16)
			require.NoError(t, err)
			require.NoError(t, other.Send(ctx, 7))
			var got []int
			var errs []error
			for v, err := range other.All(short) {
				if err != nil {
					errs = append(errs, err)
					continue
				}
				got = append(got, v)
			}
			assert.Equal(t, []int{7}, got)
			require.Len(t, errs, 1)
			assert.ErrorIs(t, errs[0], context.DeadlineExceeded)
		})
	}
}

// A pipeline whose stage waits on a channel nobody feeds (its feeder has
// no worker to run on) stalls: Stats shows the kernel waiting, and so
// does the timeline, for a wait that ended and for one still under way at
// Close.
func TestWaitingKernelShowsInStatsAndTimeline(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			tl := filepath.Join(t.TempDir(), "timeline.json")
			ctx := ctxTimeout(t, 30*time.Second)
			p, err := runtime.Start(ctx, &runtime.Options{Mode: mode, Workers: 1, Timeline: tl})
			require.NoError(t, err)
			ch, err := runtime.NewChan[int](p, "stalled", 8, 16)
			require.NoError(t, err)
			f, err := sumAll.Submit(ctx, p, ch.Ref())
			require.NoError(t, err)
			require.Eventually(t, func() bool { return p.Stats().Workers[0].Waiting == "chan.stalled" },
				10*time.Second, time.Millisecond, "the stage shows as waiting")
			time.Sleep(30 * time.Millisecond)
			ws := p.Stats().Workers[0]
			assert.GreaterOrEqual(t, ws.WaitingFor, 30*time.Millisecond)
			require.NoError(t, ch.Send(ctx, 1))
			ch.Close()
			sum, err := f.Wait(ctx)
			require.NoError(t, err)
			assert.Equal(t, 1, sum)
			assert.Empty(t, p.Stats().Workers[0].Waiting, "the wait is over")

			// One still under way when the pool closes.
			open, err := runtime.NewChan[int](p, "forever", 8, 16)
			require.NoError(t, err)
			g, err := sumAll.Submit(ctx, p, open.Ref())
			require.NoError(t, err)
			require.Eventually(t, func() bool { return p.Stats().Workers[0].Waiting == "chan.forever" },
				10*time.Second, time.Millisecond)
			if mode == runtime.Goroutines {
				// A goroutine worker cannot be killed: its kernel must
				// return for Close to. Cancelling it touches no shared
				// memory, which Close unmaps as soon as it returns.
				go func() { time.Sleep(300 * time.Millisecond); g.Cancel() }()
			}
			short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
			defer cancel()
			assert.ErrorIs(t, p.Close(short), context.DeadlineExceeded, "the stalled stage held Close")
			g.Wait(ctx) // killed with its worker, or, a goroutine, cancelled

			waits := timelineWaits(t, tl)
			require.NotEmpty(t, waits["wait chan.stalled"], "%v", waits)
			assert.GreaterOrEqual(t, waits["wait chan.stalled"][0].Dur, 30e3, "µs")
			still := waits["wait chan.forever (still waiting at Close)"]
			require.Len(t, still, 1, "%v", waits)
			assert.GreaterOrEqual(t, still[0].Dur, 100e3, "µs: from the wait's start to Close")
		})
	}
}

type tlWait struct {
	Name string  `json:"name"`
	Cat  string  `json:"cat"`
	Ts   float64 `json:"ts"`
	Dur  float64 `json:"dur"`
}

// timelineWaits returns the waits on a timeline by name, each name's in
// time order.
func timelineWaits(t *testing.T, path string) map[string][]tlWait {
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var doc struct{ TraceEvents []tlWait }
	require.NoError(t, json.Unmarshal(b, &doc))
	waits := map[string][]tlWait{}
	for _, e := range doc.TraceEvents {
		if e.Cat == "wait" {
			waits[e.Name] = append(waits[e.Name], e)
		}
	}
	for _, ws := range waits {
		slices.SortFunc(ws, func(a, b tlWait) int { return cmp.Compare(a.Ts, b.Ts) })
	}
	return waits
}
