package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/cmd/trace/internal/render"
	"github.com/shmrun/shmrun/runtime"
)

// TestMasterTracksMarkAMiss marks a frame that finished 5 ms after its
// deadline and one that kept it: the presenter's track has both deadlines
// and one miss, which says by how much, and the slot tracks show where
// each frame waited.
func TestMasterTracksMarkAMiss(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tl.json")
	ctx := context.Background()
	p, err := runtime.Start(ctx, &runtime.Options{Workers: 1, Mode: runtime.Goroutines, Timeline: path})
	require.NoError(t, err)
	m := newMasterTracks(p)
	t0 := time.Now()
	q := render.Quality{SPP: 1, PixelStep: 2}
	late := &frame{n: 3, slot: 1, q: q, start: t0, done: t0.Add(20 * time.Millisecond)}
	onTime := &frame{n: 4, slot: 2, q: q, start: t0, done: t0.Add(10 * time.Millisecond)}
	m.waitedForSlot(3, t0.Add(-time.Millisecond))
	for _, f := range []*frame{late, onTime} {
		m.started(f)
		m.rendered(f, f.start.Add(time.Millisecond), 8)
		m.due(f, t0.Add(15*time.Millisecond))
		m.encoded(f, f.done.Add(2*time.Millisecond))
	}
	require.NoError(t, p.Close(ctx))

	tid := map[string]int{}
	var misses, deadlines, waits int
	for _, e := range timelineEvents(t, path) {
		switch e.Name {
		case "thread_name":
			tid[e.Args["name"].(string)] = e.Tid
		case "miss":
			misses++
			assert.Equal(t, 3.0, e.Args["frame"])
			assert.InDelta(t, 5.0, e.Args["late_ms"], 0.01)
			assert.Equal(t, tid["master: presenter"], e.Tid)
		case "deadline":
			deadlines++
		case "wait for the previous pass", "wait to be shown":
			waits++
			assert.Contains(t, []int{tid["master: framebuffer 1"], tid["master: framebuffer 2"]}, e.Tid)
		case "wait for a framebuffer":
			assert.Equal(t, tid["master: frame loop"], e.Tid)
		}
	}
	assert.Equal(t, 1, misses)
	assert.Equal(t, 2, deadlines)
	assert.Equal(t, 4, waits)

	var none masterTracks // no -timeline: every mark is a no-op
	none.started(late)
	none.due(late, t0)
}
