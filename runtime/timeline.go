package runtime

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"sync"
)

// maxTimelineEvents bounds the memory a timeline may use; past it, events
// are counted as dropped.
const maxTimelineEvents = 1 << 20

// timeline records what workers did, for a Chrome trace-event file.
type timeline struct {
	mu      sync.Mutex
	origin  int64
	workers int
	events  []tlEvent
	dropped int
	tracks  []string       // the master's tracks (see Track), after the workers'
	hosts   map[int]string // the names of the host slots, by index
}

// hostTid is where a host slot's track goes: after the master's tracks,
// whatever their number.
const hostTid = 1 << 20

// nameHost gives host slot w its track, named after the host.
func (tl *timeline) nameHost(w int, name string) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	if tl.hosts == nil {
		tl.hosts = map[int]string{}
	}
	tl.hosts[w] = name
}

// tid is the track of a worker or host slot's events.
func (tl *timeline) tid(w int) int {
	if w >= tl.workers {
		return hostTid + w
	}
	return w
}

type tlEvent struct {
	name    string
	detail  string
	worker  int
	id      uint64
	attempt uint32
	items   uint32
	start   int64
	end     int64 // 0 for an instant
	wait    bool  // a kernel waiting on a channel
	// own marks an event of a master's Track: worker is the track's
	// thread id and args its arguments.
	own  bool
	args map[string]any
}

func newTimeline(workers int, origin int64) *timeline {
	return &timeline{origin: origin, workers: workers}
}

func (tl *timeline) add(e tlEvent) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	if len(tl.events) >= maxTimelineEvents {
		tl.dropped++
		return
	}
	tl.events = append(tl.events, e)
}

func (tl *timeline) span(worker int, name string, id uint64, attempt, items uint32, start, end int64) {
	tl.add(tlEvent{name: name, worker: worker, id: id, attempt: attempt, items: items, start: start, end: end})
}

func (tl *timeline) instant(worker int, name, detail string, at int64) {
	tl.add(tlEvent{name: name, detail: detail, worker: worker, start: at})
}

// wait records that a kernel on worker waited on a channel.
func (tl *timeline) wait(worker int, channel string, start, end int64) {
	tl.add(tlEvent{name: "wait " + channel, detail: channel, worker: worker, start: start, end: max(end, start+1), wait: true})
}

// traceEvent is one entry of the Chrome trace-event format.
type traceEvent struct {
	Name  string         `json:"name"`
	Cat   string         `json:"cat,omitempty"`
	Ph    string         `json:"ph"`
	Ts    float64        `json:"ts"`
	Dur   float64        `json:"dur,omitempty"`
	Pid   int            `json:"pid"`
	Tid   int            `json:"tid"`
	Scope string         `json:"s,omitempty"`
	Args  map[string]any `json:"args,omitempty"`
}

// write saves the timeline as {"traceEvents": [...]}: a track per worker,
// an "X" span per task and an instant per crash or restart, then the
// master's tracks (see Track).
func (tl *timeline) write(path string) error {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("shmrun: timeline: %w", err)
	}
	bw := bufio.NewWriter(f)
	var one bytes.Buffer // an event is encoded here first: one that fails is dropped whole
	enc := json.NewEncoder(&one)
	fmt.Fprint(bw, `{"displayTimeUnit":"ms","traceEvents":[`)
	first := true
	emit := func(e traceEvent) {
		one.Reset()
		if enc.Encode(e) != nil { // a Track's arguments that are not JSON
			tl.dropped++
			return
		}
		if !first {
			bw.WriteByte(',')
		}
		first = false
		bw.Write(one.Bytes())
	}
	emit(traceEvent{Name: "process_name", Ph: "M", Args: map[string]any{"name": "shmrun pool"}})
	for w := range tl.workers {
		emit(traceEvent{Name: "thread_name", Ph: "M", Tid: w, Args: map[string]any{"name": fmt.Sprintf("worker %d", w)}})
	}
	for _, e := range tl.trackMetadata() {
		emit(e)
	}
	for w, name := range tl.hosts {
		emit(traceEvent{Name: "thread_name", Ph: "M", Tid: tl.tid(w), Args: map[string]any{"name": "host " + name}})
	}
	us := func(t int64) float64 { return float64(t-tl.origin) / 1e3 }
	for _, e := range tl.events {
		if e.wait {
			emit(traceEvent{Name: e.name, Cat: "wait", Ph: "X", Ts: us(e.start), Dur: float64(e.end-e.start) / 1e3, Tid: tl.tid(e.worker),
				Args: map[string]any{"channel": e.detail}})
			continue
		}
		if e.own {
			emit(e.ownEvent(us))
			continue
		}
		if e.end == 0 {
			emit(traceEvent{Name: e.name, Cat: "supervision", Ph: "i", Scope: "t", Ts: us(e.start), Tid: tl.tid(e.worker),
				Args: map[string]any{"detail": e.detail}})
			continue
		}
		emit(traceEvent{Name: e.name, Cat: "task", Ph: "X", Ts: us(e.start), Dur: float64(e.end-e.start) / 1e3, Tid: tl.tid(e.worker),
			Args: map[string]any{"task": fmt.Sprintf("%#x", e.id), "attempt": e.attempt, "items": e.items}})
	}
	fmt.Fprintf(bw, `],"otherData":{"dropped_events":%d}}`, tl.dropped)
	if err := bw.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("shmrun: timeline: %w", err)
	}
	return f.Close()
}
