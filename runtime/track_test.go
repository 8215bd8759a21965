package runtime_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/runtime"
)

// traceFile is the part of a timeline file the track tests read.
type traceFile struct {
	TraceEvents []struct {
		Name string         `json:"name"`
		Cat  string         `json:"cat"`
		Ph   string         `json:"ph"`
		Ts   float64        `json:"ts"`
		Dur  float64        `json:"dur"`
		Tid  int            `json:"tid"`
		Args map[string]any `json:"args"`
	} `json:"traceEvents"`
	OtherData map[string]any `json:"otherData"`
}

func readTrace(t *testing.T, path string) traceFile {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var tf traceFile
	require.NoError(t, json.Unmarshal(b, &tf), "%s", b)
	return tf
}

func TestTracksAreWrittenWithTheTimeline(t *testing.T) {
	path := filepath.Join(t.TempDir(), "timeline.json")
	ctx := ctxTimeout(t, 30*time.Second)
	p, err := runtime.Start(ctx, &runtime.Options{Workers: 1, Mode: runtime.Goroutines, Timeline: path})
	require.NoError(t, err)
	frames := p.Track("frames")
	require.NotNil(t, frames)
	t0 := time.Now()
	frames.Span("render", t0, t0.Add(3*time.Millisecond), map[string]any{"frame": 7})
	frames.Span("backwards", t0, t0.Add(-time.Second), nil)
	p.Track("presenter").Instant("miss", t0.Add(5*time.Millisecond), map[string]any{"late_ms": 1.5})
	p.Track("frames").Instant("dispatch", t0.Add(time.Millisecond), nil) // the same track again
	frames.Instant("junk", t0, map[string]any{"f": func() {}})           // not JSON: dropped
	require.NoError(t, p.Close(ctx))

	tf := readTrace(t, path)
	tids := map[string]int{}
	sortIndex := map[int]float64{}
	byName := map[string]int{}
	for i, e := range tf.TraceEvents {
		switch e.Name {
		case "thread_name":
			tids[e.Args["name"].(string)] = e.Tid
		case "thread_sort_index":
			sortIndex[e.Tid] = e.Args["sort_index"].(float64)
		}
		byName[e.Name] = i
	}
	require.Contains(t, tids, "frames")
	require.Contains(t, tids, "presenter")
	assert.Equal(t, 0, tids["worker 0"])
	assert.NotEqual(t, tids["frames"], tids["presenter"])
	assert.NotEqual(t, tids["worker 0"], tids["frames"])
	assert.Less(t, sortIndex[tids["frames"]], sortIndex[tids["presenter"]], "tracks are listed in the order they were made")
	assert.Negative(t, sortIndex[tids["presenter"]], "and before the workers")

	render := tf.TraceEvents[byName["render"]]
	assert.Equal(t, "X", render.Ph)
	assert.Equal(t, "master", render.Cat)
	assert.Equal(t, tids["frames"], render.Tid)
	assert.InDelta(t, 3000, render.Dur, 1, "microseconds")
	assert.Equal(t, 7.0, render.Args["frame"])
	miss := tf.TraceEvents[byName["miss"]]
	assert.Equal(t, "i", miss.Ph)
	assert.Equal(t, tids["presenter"], miss.Tid)
	assert.InDelta(t, render.Ts+5000, miss.Ts, 50, "instants sit on the same clock as spans")
	assert.Equal(t, 1.5, miss.Args["late_ms"])
	assert.Equal(t, tids["frames"], tf.TraceEvents[byName["dispatch"]].Tid)
	assert.Positive(t, tf.TraceEvents[byName["backwards"]].Dur)
	assert.NotContains(t, byName, "junk")
	assert.Equal(t, 1.0, tf.OtherData["dropped_events"])
}

func TestTrackWithoutTimelineIsNil(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	p, err := runtime.Start(ctx, &runtime.Options{Workers: 1, Mode: runtime.Goroutines})
	require.NoError(t, err)
	defer p.Close(ctx)
	tr := p.Track("frames")
	assert.Nil(t, tr)
	tr.Span("render", time.Now(), time.Now(), nil) // records nothing, does not panic
	tr.Instant("miss", time.Now(), nil)
}

// ExamplePool_Track marks the master's own work on the timeline, next to
// the workers' tasks: here, each batch's dispatch and its wait.
func ExamplePool_Track() {
	path := filepath.Join(os.TempDir(), fmt.Sprintf("shmrun-example-%d.json", os.Getpid()))
	defer os.Remove(path)
	ctx := context.Background()
	p, err := runtime.Start(ctx, &runtime.Options{Workers: 2, Mode: runtime.Goroutines, Timeline: path})
	if err != nil {
		fmt.Println(err)
		return
	}
	batches := p.Track("batches")
	for b := range 3 {
		start := time.Now()
		if _, err := runtime.Map(ctx, p, isPrime, []int{7, 8, 9}, nil); err != nil {
			fmt.Println(err)
		}
		batches.Span("batch", start, time.Now(), map[string]any{"batch": b})
	}
	if err := p.Close(ctx); err != nil {
		fmt.Println(err)
	}
	b, _ := os.ReadFile(path)
	var tf struct{ TraceEvents []struct{ Name string } }
	json.Unmarshal(b, &tf)
	n := 0
	for _, e := range tf.TraceEvents {
		if e.Name == "batch" {
			n++
		}
	}
	fmt.Println(n, "batches on the timeline")
	// Output: 3 batches on the timeline
}
