package cluster

import (
	"context"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"

	"github.com/shmrun/shmrun/runtime"
)

// Options configures Serve. The zero value is valid: an embedded server on
// 127.0.0.1:4222, no token.
type Options struct {
	// Listen is where the embedded NATS server listens for hosts,
	// HOST:PORT (port 0: any free port; Cluster.URL says which). Default
	// 127.0.0.1:4222. Beyond loopback, Token is required.
	Listen string
	// URL, if set, is an external NATS server or cluster to use instead
	// of an embedded one (nats://HOST:PORT, several separated by commas).
	// It must have JetStream. With a server of this package's
	// (StartServer), hosts that die are noticed by their connection
	// closing; with another, by their heartbeats only.
	URL string
	// Token is the cluster's secret: hosts present it to the server, and
	// the master proves it knows it to each host.
	Token string
	// HostTimeout is how long a host may go without a heartbeat before
	// the master gives up on it (a host stopped, a cut link); default
	// 500 ms. Heartbeats go every fifth of it, both ways.
	HostTimeout time.Duration
	// Subject prefixes every subject the cluster uses; default "shmrun".
	// Masters that share a server need different ones.
	Subject string
	// NoHedge turns off hedging (see runtime.HostConfig.NoHedge).
	NoHedge bool
	// Logger receives the cluster's events (hosts joining, lost,
	// refused); default discards them.
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.Listen == "" {
		o.Listen = "127.0.0.1:4222"
	}
	if o.HostTimeout <= 0 {
		o.HostTimeout = 500 * time.Millisecond
	}
	if o.Subject == "" {
		o.Subject = "shmrun"
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Cluster is a master's side of a cluster: the hosts that joined its pool
// through NATS. Its methods are safe for concurrent use.
type Cluster struct {
	pool    *runtime.Pool
	o       Options
	srv     *Server // nil with Options.URL
	nc      *nats.Conn
	sys     *nats.Conn // nil when the server does not let the master see disconnections
	obs     jetstream.ObjectStore
	js      jetstream.JetStream
	subj    subjects
	url     string
	bucket  string
	beat    time.Duration
	subs    []*nats.Subscription
	stop    chan struct{}
	wg      sync.WaitGroup
	uploads uploads

	mu      sync.Mutex
	hosts   map[string]*host // by key, from join to loss
	clients map[string]*host // by NATS connection name
	leaving map[string]bool  // connections of hosts told to leave, until they close
	next    int
	changed chan struct{} // closed and replaced whenever a host joins or is lost
	closed  bool
}

// Serve opens the pool to remote hosts: it starts an embedded NATS server
// (or connects to Options.URL) and takes the hosts that join, each as a
// slot of the pool with its workers as capacity (runtime.Pool.AddHost).
// Close the pool first, then the Cluster.
func Serve(ctx context.Context, pool *runtime.Pool, o *Options) (*Cluster, error) {
	var opts Options
	if o != nil {
		opts = *o
	}
	opts = opts.withDefaults()
	session := nuid.Next()
	c := &Cluster{pool: pool, o: opts, subj: subjects{opts.Subject, session}, bucket: "shmrun-" + session,
		beat: max(opts.HostTimeout/5, 5*time.Millisecond), stop: make(chan struct{}),
		hosts: map[string]*host{}, clients: map[string]*host{}, leaving: map[string]bool{}, changed: make(chan struct{})}
	if !token(opts.Subject) {
		return nil, fmt.Errorf("cluster: subject prefix %q: want letters, digits, - and _", opts.Subject)
	}
	runtime.BuildID() // hashed now, not while the first host waits
	if err := c.connect(); err != nil {
		c.shutdown()
		return nil, err
	}
	if err := c.open(ctx); err != nil {
		c.shutdown()
		return nil, err
	}
	c.wg.Add(1)
	go c.heartbeats()
	return c, nil
}

// connect starts the embedded server, or reaches the external one, and
// makes the master's connections.
func (c *Cluster) connect() error {
	var common []nats.Option
	c.url = c.o.URL
	if c.url == "" {
		srv, err := StartServer(ServerOptions{Listen: c.o.Listen, Token: c.o.Token})
		if err != nil {
			return err
		}
		c.srv, c.url = srv, srv.URL()
		common = append(common, nats.InProcessServer(srv.s))
	}
	var err error
	c.nc, err = nats.Connect(c.url, append(common, nats.Name("shmrun-master-"+c.subj.session), nats.Token(c.o.Token),
		nats.MaxReconnects(-1))...)
	if err != nil {
		return fmt.Errorf("cluster: connect to %s: %w", c.url, err)
	}
	c.sys, err = nats.Connect(c.url, append(common, nats.UserInfo(sysUser, sysPassword(c.o.Token)), nats.MaxReconnects(-1))...)
	if err != nil { // not a server of ours: heartbeats alone tell
		c.o.Logger.Info("cluster: host disconnections not visible on this server; heartbeats only", "url", c.url, "err", err)
		c.sys = nil
	}
	return nil
}

// open makes the Object Store bucket and subscribes to what hosts send.
func (c *Cluster) open(ctx context.Context) error {
	var err error
	if c.js, err = jetstream.New(c.nc); err != nil {
		return fmt.Errorf("cluster: jetstream: %w", err)
	}
	if c.obs, err = c.js.CreateObjectStore(ctx, jetstream.ObjectStoreConfig{Bucket: c.bucket, Storage: jetstream.MemoryStorage,
		Description: "shmrun shared regions"}); err != nil {
		return fmt.Errorf("cluster: object store: %w", err)
	}
	subscribe := func(nc *nats.Conn, subject string, fn nats.MsgHandler) error {
		sub, err := nc.Subscribe(subject, fn)
		if err == nil {
			c.subs = append(c.subs, sub)
		}
		return err
	}
	if err := subscribe(c.nc, c.subj.join(), c.onJoin); err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	if err := subscribe(c.nc, c.subj.ready(), c.onReady); err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	if c.sys != nil {
		if err := subscribe(c.sys, "$SYS.ACCOUNT."+appAccount+".DISCONNECT", c.onDisconnect); err != nil {
			return fmt.Errorf("cluster: %w", err)
		}
		c.sys.Flush()
	}
	return c.nc.Flush()
}

// Traffic returns the bytes the master's connection has sent and received
// (jobs, answers, heartbeats and control messages): over an embedded
// server, what crossed the master's link to its hosts, and more.
func (c *Cluster) Traffic() (sent, received uint64) {
	st := c.nc.Stats()
	return st.OutBytes, st.InBytes
}

// URL returns the address hosts join: nats://HOST:PORT.
func (c *Cluster) URL() string { return c.url }

// WaitHosts waits until n hosts are in the pool, or ctx ends, and returns
// how many are.
func (c *Cluster) WaitHosts(ctx context.Context, n int) int {
	for {
		c.mu.Lock()
		have := c.aliveLocked()
		changed := c.changed
		c.mu.Unlock()
		if have >= n {
			return have
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return have
		}
	}
}

func (c *Cluster) aliveLocked() int {
	n := 0
	for _, h := range c.hosts {
		if h.slot != nil && h.slot.Alive() {
			n++
		}
	}
	return n
}

// notifyLocked wakes WaitHosts.
func (c *Cluster) notifyLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// Share publishes a shared region of the pool's arena to the Object Store
// now, so that the first task that names it need not wait for it to be
// hashed and uploaded. Tasks that name a shared region publish it anyway.
func (c *Cluster) Share(ctx context.Context, region string) error {
	s, err := c.pool.SharedRegion(region)
	if err != nil {
		return err
	}
	return c.uploads.put(ctx, c.obs, s)
}

// Close ends the cluster: hosts still in the pool are lost to it (their
// tasks run on, locally) and told to leave; the embedded server shuts
// down once they have gone, or after a second.
func (c *Cluster) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	var live []*host
	for _, h := range c.hosts {
		live = append(live, h)
	}
	c.mu.Unlock()
	for _, h := range live {
		if h.slot != nil {
			h.slot.Lost("the master's cluster closed")
			<-h.slot.Exited()
		}
	}
	close(c.stop)
	c.wg.Wait()
	c.awaitHostsGone(time.Second)
	return c.shutdown()
}

// awaitHostsGone waits, up to d, for the hosts told to leave to close
// their connections: on an embedded server, they then see their master
// leave by its word, not by the server going away.
func (c *Cluster) awaitHostsGone(d time.Duration) {
	if c.sys == nil {
		return
	}
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		c.mu.Lock()
		n := len(c.leaving)
		c.mu.Unlock()
		if n == 0 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// shutdown closes what connect and open made.
func (c *Cluster) shutdown() error {
	for _, s := range c.subs {
		s.Unsubscribe()
	}
	var err error
	if c.js != nil && c.obs != nil && c.nc.IsConnected() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = c.js.DeleteObjectStore(ctx, c.bucket)
		cancel()
	}
	if c.sys != nil {
		c.sys.Close()
	}
	if c.nc != nil {
		c.nc.Close()
	}
	if c.srv != nil {
		c.srv.Close()
	}
	if err != nil {
		return fmt.Errorf("cluster: close: %w", err)
	}
	return nil
}

// uploads puts each shared region in the Object Store once, by its hash.
type uploads struct {
	mu   sync.Mutex
	done map[[32]byte]*upload
}

type upload struct {
	done chan struct{}
	err  error
}

// put uploads s unless it was; concurrent puts of one region wait for one
// upload. A failed upload is tried again by the next put.
func (u *uploads) put(ctx context.Context, obs jetstream.ObjectStore, s runtime.SharedRegion) error {
	u.mu.Lock()
	if u.done == nil {
		u.done = map[[32]byte]*upload{}
	}
	up := u.done[s.Hash]
	if up == nil {
		up = &upload{done: make(chan struct{})}
		u.done[s.Hash] = up
		u.mu.Unlock()
		_, up.err = obs.PutBytes(ctx, hex.EncodeToString(s.Hash[:]), s.Bytes)
		if up.err != nil {
			u.mu.Lock()
			delete(u.done, s.Hash)
			u.mu.Unlock()
		}
		close(up.done)
	} else {
		u.mu.Unlock()
	}
	select {
	case <-up.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	if up.err != nil {
		return fmt.Errorf("cluster: publish shared region %s: %w", s.Name, up.err)
	}
	return nil
}
