package runtime

import (
	"time"

	"github.com/shmrun/shmrun/internal/mono"
)

// A Track is a row of the pool's timeline (see Options.Timeline) on which
// the program records what its master does, next to the workers' tasks: a
// renderer marks when each frame starts, is encoded and was due, so that
// the timeline shows why a frame was late. Tracks are written with the
// timeline when the pool closes, after the workers' tracks, and a viewer
// lists them first.
//
// A nil *Track, which Pool.Track returns when the pool keeps no timeline,
// records nothing, so a program marks its events unconditionally. A
// Track's methods are safe for concurrent use. Spans of one track should
// nest or follow each other, as on a thread: viewers draw spans that
// overlap on one track on top of each other, so work that overlaps (frames
// in flight together) belongs on tracks of its own.
type Track struct {
	tl  *timeline
	tid int
}

// Track returns the master's timeline track named name, made on first use:
// a later call with the same name returns the same track. It returns nil
// when the pool keeps no timeline (Options.Timeline is empty).
func (p *Pool) Track(name string) *Track {
	if p.tl == nil {
		return nil
	}
	return &Track{tl: p.tl, tid: p.tl.track(name)}
}

// Span records a span named name from start to end (an end before start
// counts as start). args, if not nil, become the event's arguments in the
// file: their values must encode as JSON, and the map must not be changed
// after the call.
func (t *Track) Span(name string, start, end time.Time, args map[string]any) {
	if t == nil {
		return
	}
	s := mono.Of(start)
	e := max(mono.Of(end), s+1) // a span of zero length would read as an instant
	t.tl.add(tlEvent{name: name, worker: t.tid, start: s, end: e, args: args, own: true})
}

// Instant records an instant event named name at at, with args as for
// Span.
func (t *Track) Instant(name string, at time.Time, args map[string]any) {
	if t == nil {
		return
	}
	t.tl.add(tlEvent{name: name, worker: t.tid, start: mono.Of(at), args: args, own: true})
}

// track returns the thread id of the track named name, adding it first.
func (tl *timeline) track(name string) int {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	for i, n := range tl.tracks {
		if n == name {
			return tl.workers + i
		}
	}
	tl.tracks = append(tl.tracks, name)
	return tl.workers + len(tl.tracks) - 1
}

// trackMetadata returns the name and sort index of each track: the
// tracks sort before the workers', in the order they were made.
func (tl *timeline) trackMetadata() []traceEvent {
	var evs []traceEvent
	for i, name := range tl.tracks {
		tid := tl.workers + i
		evs = append(evs,
			traceEvent{Name: "thread_name", Ph: "M", Tid: tid, Args: map[string]any{"name": name}},
			traceEvent{Name: "thread_sort_index", Ph: "M", Tid: tid, Args: map[string]any{"sort_index": i - len(tl.tracks)}})
	}
	return evs
}

// ownEvent converts an event of a Track for the file, us converting a
// CLOCK_MONOTONIC reading to the file's microseconds.
func (e tlEvent) ownEvent(us func(int64) float64) traceEvent {
	if e.end == 0 {
		return traceEvent{Name: e.name, Cat: "master", Ph: "i", Scope: "t", Ts: us(e.start), Tid: e.worker, Args: e.args}
	}
	return traceEvent{Name: e.name, Cat: "master", Ph: "X", Ts: us(e.start), Dur: float64(e.end-e.start) / 1e3,
		Tid: e.worker, Args: e.args}
}
