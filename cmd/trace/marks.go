package main

import (
	"fmt"
	"time"

	"github.com/shmrun/shmrun/runtime"
)

// masterTracks are the master's rows on the -timeline, next to the
// workers': what the run loop, each framebuffer slot and the presenter
// did, so that a late frame shows why it was late. A frame can start late
// (the loop waited for a free slot, because the presenter is behind), wait
// for the previous progressive pass, render long (the workers' rows show
// why), or wait to be shown behind an earlier frame; the presenter's row
// shows each encode, deadline and miss. Frames in flight together overlap,
// so each slot has a row of its own. Without -timeline every track is nil
// and records nothing.
type masterTracks struct {
	loop    *runtime.Track
	slot    [slots]*runtime.Track
	present *runtime.Track
}

func newMasterTracks(p *runtime.Pool) masterTracks {
	m := masterTracks{loop: p.Track("master: frame loop"), present: p.Track("master: presenter")}
	for i := range m.slot {
		m.slot[i] = p.Track(fmt.Sprintf("master: framebuffer %d", i))
	}
	return m
}

// on reports whether there is a timeline to mark.
func (m masterTracks) on() bool { return m.present != nil }

// waitedForSlot marks that frame n waited from since to now for a free
// framebuffer.
func (m masterTracks) waitedForSlot(n int, since time.Time) {
	if !m.on() {
		return // no -timeline: not even the arguments are made
	}
	m.loop.Span("wait for a framebuffer", since, time.Now(), map[string]any{"frame": n})
}

// started marks frame f's start, with the quality it was planned at.
func (m masterTracks) started(f *frame) {
	if !m.on() {
		return // no -timeline: not even the arguments are made
	}
	m.loop.Instant("frame start", f.start, map[string]any{"frame": f.n, "slot": f.slot,
		"spp": f.q.SPP, "pixel_step": f.q.PixelStep, "integrator": f.q.Integrator.String()})
}

// rendered marks frame f's time in its slot up to its last tile: waiting
// for the previous pass, if it did, then from the dispatch of its tiles
// to the last result.
func (m masterTracks) rendered(f *frame, dispatched time.Time, tiles int) {
	if !m.on() {
		return // no -timeline: not even the arguments are made
	}
	tr := m.slot[f.slot]
	if dispatched.After(f.start) {
		tr.Span("wait for the previous pass", f.start, dispatched, map[string]any{"frame": f.n})
	}
	tr.Instant("dispatch", dispatched, map[string]any{"frame": f.n, "tiles": tiles})
	tr.Span("render", dispatched, f.done, map[string]any{"frame": f.n, "tiles": tiles,
		"spp": f.q.SPP, "pixel_step": f.q.PixelStep})
}

// due marks frame f's deadline, and a miss at the time it finished if it
// finished after it.
func (m masterTracks) due(f *frame, deadline time.Time) {
	if !m.on() {
		return // no -timeline: not even the arguments are made
	}
	m.present.Instant("deadline", deadline, map[string]any{"frame": f.n})
	if late := f.done.Sub(deadline); late > 0 {
		m.present.Instant("miss", f.done, map[string]any{"frame": f.n, "late_ms": ms(late)})
	}
}

// encoded marks the encoding of frame f from start to now, and its wait
// in its slot from its last tile to then.
func (m masterTracks) encoded(f *frame, start time.Time) {
	if !m.on() {
		return // no -timeline: not even the arguments are made
	}
	if start.After(f.done) {
		m.slot[f.slot].Span("wait to be shown", f.done, start, map[string]any{"frame": f.n})
	}
	m.present.Span("encode", start, time.Now(), map[string]any{"frame": f.n})
}
