package cluster

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/shmrun/shmrun/internal/mono"
	"github.com/shmrun/shmrun/runtime"
)

// host is a host that asked to join, from its join to its loss.
type host struct {
	c       *Cluster
	key     string
	name    string
	client  string // its NATS connection's name
	pid     int
	workers int

	slot     *runtime.Host // set once it is in the pool
	ready    chan struct{} // closed once slot is set
	subs     []*nats.Subscription
	lastBeat atomic.Int64 // CLOCK_MONOTONIC of its last heartbeat
	gone     atomic.Bool  // lost, killed or stopped: say nothing more to it
}

// onJoin answers a host's request to join: refused, or welcome.
func (c *Cluster) onJoin(m *nats.Msg) {
	var j joinMsg
	w, h := c.welcome(m.Data, &j)
	if w.Refused != "" {
		c.o.Logger.Warn("cluster: host refused", "host", j.Name, "pid", j.PID, "reason", w.Refused)
	} else {
		c.o.Logger.Info("cluster: host joining", "host", h.name, "key", h.key, "workers", h.workers)
	}
	m.Respond(encode(w))
}

// welcome checks a join and, if the host may join, records it.
func (c *Cluster) welcome(data []byte, j *joinMsg) (welcomeMsg, *host) {
	if err := decode(data, j); err != nil {
		return welcomeMsg{Refused: err.Error()}, nil
	}
	if err := j.check(); err != nil {
		return welcomeMsg{Refused: err.Error()}, nil
	}
	if build := runtime.BuildID(); j.Build != build {
		return welcomeMsg{Refused: fmt.Sprintf("host %s is build %.12s, the master %.12s: hosts must run the master's binary (kernels are registered by name)",
			j.Name, j.Build, build)}, nil
	}
	if j.Kernels != runtime.KernelsID() {
		return welcomeMsg{Refused: fmt.Sprintf("host %s registered other kernels than the master", j.Name)}, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return welcomeMsg{Refused: "the master is closing"}, nil
	}
	if _, ok := c.clients[j.Client]; ok {
		return welcomeMsg{Refused: fmt.Sprintf("a host with connection %q joined already", j.Client)}, nil
	}
	c.next++
	h := &host{c: c, key: "h" + strconv.Itoa(c.next), name: j.Name, client: j.Client, pid: j.PID, workers: j.Workers,
		ready: make(chan struct{})}
	for _, o := range c.hosts {
		if o.name == h.name {
			h.name += "#" + strconv.Itoa(c.next)
			break
		}
	}
	c.hosts[h.key], c.clients[h.client] = h, h
	return welcomeMsg{Session: c.subj.session, Key: h.key, Name: h.name, Arena: c.pool.Arena().Size(), Ring: c.pool.RingSize(),
		BeatMS: int(c.beat.Milliseconds()), TimeoutMS: int(c.o.HostTimeout.Milliseconds()), Bucket: c.bucket,
		Proof: hex.EncodeToString(mac(c.o.Token, j.Nonce+c.subj.session))}, h
}

// onReady takes a host whose pool runs into the master's pool.
func (c *Cluster) onReady(m *nats.Msg) {
	var r readyMsg
	err := decode(m.Data, &r)
	var h *host
	if err == nil {
		c.mu.Lock()
		h = c.hosts[r.Key]
		c.mu.Unlock()
		if h == nil || h.slot != nil {
			err = fmt.Errorf("cluster: no host %q waits to be ready", r.Key)
		}
	}
	if err == nil {
		err = c.admit(h)
	}
	if err != nil {
		c.o.Logger.Warn("cluster: host not admitted", "key", r.Key, "err", err)
		m.Respond(encode(readyMsg{Key: r.Key, Error: err.Error()}))
		if h != nil {
			c.forget(h)
		}
		return
	}
	m.Respond(encode(readyMsg{Key: r.Key}))
}

// admit subscribes to a host's answers and heartbeats and adds it to the
// pool.
func (c *Cluster) admit(h *host) error {
	h.lastBeat.Store(mono.Now())
	for subject, fn := range map[string]nats.MsgHandler{
		c.subj.done(h.key): h.onDone,
		c.subj.beat(h.key): func(*nats.Msg) { h.lastBeat.Store(mono.Now()) },
	} {
		sub, err := c.nc.Subscribe(subject, fn)
		if err != nil {
			return err
		}
		// The master takes as many answers as it has tasks in flight
		// there; a host is never sent more than Capacity x QueueDepth.
		sub.SetPendingLimits(-1, -1)
		h.subs = append(h.subs, sub)
	}
	if err := c.nc.Flush(); err != nil {
		return err
	}
	slot, err := c.pool.AddHost(runtime.HostConfig{Name: h.name, PID: h.pid, Capacity: h.workers, NoHedge: c.o.NoHedge}, &link{c: c, h: h})
	if err != nil {
		return err
	}
	c.mu.Lock()
	h.slot = slot
	close(h.ready)
	c.notifyLocked()
	c.mu.Unlock()
	c.o.Logger.Info("cluster: host joined", "host", h.name, "slot", slot.Slot())
	return nil
}

// onDone hands an answer to the pool; a host that sends what no correct
// host sends is given up on, as a worker process would be.
func (h *host) onDone(m *nats.Msg) {
	<-h.ready // AddHost sends jobs before it returns the slot
	if err := h.slot.Complete(m.Data); err != nil {
		h.slot.Kill(runtime.Kill{Reason: runtime.KillProtocol, Detail: err.Error()})
	}
}

// onDisconnect learns from the server that a connection closed: a host's,
// it is lost (its tasks run again elsewhere within milliseconds).
func (c *Cluster) onDisconnect(m *nats.Msg) {
	var ev struct {
		Client struct {
			Name string `json:"name"`
		} `json:"client"`
		Reason string `json:"reason"`
	}
	if json.Unmarshal(m.Data, &ev) != nil {
		return
	}
	c.mu.Lock()
	h := c.clients[ev.Client.Name]
	delete(c.leaving, ev.Client.Name)
	c.mu.Unlock()
	if h == nil {
		return
	}
	reason := "connection closed"
	if ev.Reason != "" {
		reason += " (" + ev.Reason + ")"
	}
	c.lose(h, reason)
}

// lose gives up on a host that went away.
func (c *Cluster) lose(h *host, reason string) {
	c.mu.Lock()
	slot := h.slot
	c.mu.Unlock()
	if slot != nil {
		slot.Lost(reason) // the link's Close forgets it
		return
	}
	c.forget(h)
}

// forget drops a host from the cluster's books.
func (c *Cluster) forget(h *host) {
	h.gone.Store(true)
	for _, s := range h.subs {
		s.Unsubscribe()
	}
	c.mu.Lock()
	if c.hosts[h.key] == h {
		delete(c.hosts, h.key)
		delete(c.clients, h.client)
		c.notifyLocked()
	}
	c.mu.Unlock()
}

// heartbeats sends the master's heartbeat and gives up on hosts whose own
// stopped coming, until Close.
func (c *Cluster) heartbeats() {
	defer c.wg.Done()
	tick := time.NewTicker(c.beat)
	defer tick.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-tick.C:
		}
		c.nc.Publish(c.subj.master(), nil)
		now := mono.Now()
		c.mu.Lock()
		var stale []*host
		for _, h := range c.hosts {
			if h.slot != nil && now-h.lastBeat.Load() > int64(c.o.HostTimeout) {
				stale = append(stale, h)
			}
		}
		c.mu.Unlock()
		for _, h := range stale {
			age := time.Duration(now - h.lastBeat.Load()).Round(time.Millisecond)
			h.slot.Kill(runtime.Kill{Reason: runtime.KillUnreachable, Detail: fmt.Sprintf("no heartbeat for %v", age)})
		}
	}
}

// link is the pool's way to a host (runtime.HostLink).
type link struct {
	c *Cluster
	h *host
}

// Send publishes the job to the host, once the shared regions it names
// are in the Object Store.
func (l *link) Send(j *runtime.Job) error {
	c := l.c
	for _, s := range j.Shared {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		err := c.uploads.put(ctx, c.obs, s)
		cancel()
		if err != nil {
			return err
		}
	}
	if max := c.nc.MaxPayload(); int64(len(j.Message)) > max {
		return fmt.Errorf("%w: a job of %d bytes, the server carries %d", runtime.ErrTooLarge, len(j.Message), max)
	}
	return c.nc.Publish(c.subj.job(l.h.key), j.Message)
}

func (l *link) Cancel(id uint64) {
	if !l.h.gone.Load() {
		l.c.nc.Publish(l.c.subj.ctl(l.h.key), encode(ctlMsg{Op: opCancel, IDs: []uint64{id}}))
	}
}

// Close tells the host to leave (at once, with why, if the master gave
// up on it) and forgets it.
func (l *link) Close(k *runtime.Kill) {
	msg := ctlMsg{Op: opStop}
	if k != nil {
		msg = ctlMsg{Op: opKill, Reason: k.String()}
	}
	if !l.h.gone.Load() {
		l.c.mu.Lock()
		l.c.leaving[l.h.client] = true
		l.c.mu.Unlock()
		l.c.nc.Publish(l.c.subj.ctl(l.h.key), encode(msg))
		l.c.nc.Flush()
	}
	l.c.forget(l.h)
}
