package cluster

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	goruntime "runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"

	"github.com/shmrun/shmrun/internal/mono"
	"github.com/shmrun/shmrun/runtime"
)

var (
	// ErrMasterLost is returned by Join when the master went away: its
	// connection closed (the embedded server died with it), or its
	// heartbeat stopped for twice its HostTimeout.
	ErrMasterLost = errors.New("cluster: lost the master")
	// ErrRefused is returned, wrapped with the master's reason, by Join
	// when the master refuses the host (another build, other kernels).
	ErrRefused = errors.New("cluster: the master refused this host")
	// ErrKilled is returned, wrapped with the master's reason, by Join
	// when the master gave up on the host (it found its heartbeat stale).
	ErrKilled = errors.New("cluster: the master gave up on this host")
	// ErrImpostor is returned by Join for a master that cannot prove it
	// knows the token, or a server beyond loopback that asks for none.
	ErrImpostor = errors.New("cluster: the master is not authenticated")
	// ErrAddress is returned, wrapped, by Join for an address that is not
	// nats://HOST:PORT.
	ErrAddress = errors.New("cluster: bad master address")
)

// HostOptions configures Join. The zero value is valid.
type HostOptions struct {
	// Token is the cluster's secret (Options.Token of the master).
	Token string
	// Workers is the host's worker count; default GOMAXPROCS.
	Workers int
	// Name identifies the host to people; default HOSTNAME:PID.
	Name string
	// Subject is the master's Options.Subject; default "shmrun".
	Subject string
	// Rejoin makes the host wait for a new master when its master goes
	// away, instead of returning ErrMasterLost.
	Rejoin bool
	// Wait bounds how long Join tries to reach a master (the server not
	// up yet, no master answering) before it gives up; default 30 s.
	Wait time.Duration
	// Pool adjusts the options of the host's pool before it starts.
	Pool func(*runtime.Options)
	// Logger receives the host's events; default discards them.
	Logger *slog.Logger
}

func (o HostOptions) withDefaults() HostOptions {
	if o.Workers <= 0 {
		o.Workers = goruntime.GOMAXPROCS(0)
	}
	if o.Name == "" {
		hn, _ := os.Hostname()
		o.Name = hn + ":" + strconv.Itoa(os.Getpid())
	}
	if o.Subject == "" {
		o.Subject = "shmrun"
	}
	if o.Wait <= 0 {
		o.Wait = 30 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Join makes this process a host of the master whose NATS server is at
// addr (nats://HOST:PORT): it joins, starts a pool of its own (worker
// processes, arena and rings, like the master's), runs the jobs the master
// sends until the master is done with it, then closes its pool. It
// returns nil when the master ended the session, ErrMasterLost when the
// master went away (unless Rejoin), or why it could not join; it returns
// when ctx ends, too. The program must call runtime.Main first thing in
// main, and register the master's kernels: it is the master's binary.
func Join(ctx context.Context, addr string, o *HostOptions) error {
	var opts HostOptions
	if o != nil {
		opts = *o
	}
	opts = opts.withDefaults()
	if err := CheckJoin(addr, opts.Token); err != nil {
		return err
	}
	for {
		err := joinOnce(ctx, addr, opts)
		if !opts.Rejoin || !errors.Is(err, ErrMasterLost) || ctx.Err() != nil {
			return err
		}
		opts.Logger.Info("cluster: master lost; waiting for a new one", "err", err)
	}
}

// CheckJoin checks a master's address and the token as Join does, without
// joining: an address that is not nats://HOST:PORT fails with ErrAddress,
// one beyond loopback without a token with ErrNoToken.
func CheckJoin(addr, token string) error {
	for _, a := range strings.Split(addr, ",") {
		u, err := url.Parse(strings.TrimSpace(a))
		if err != nil || u.Hostname() == "" {
			return fmt.Errorf("%w %q: want nats://HOST:PORT", ErrAddress, a)
		}
		if token == "" && !isLoopback(u.Hostname()) {
			return fmt.Errorf("join %s: %w", a, ErrNoToken)
		}
	}
	return nil
}

// session is one host's time with one master.
type session struct {
	o     HostOptions
	addr  string
	nc    *nats.Conn
	subj  subjects
	w     welcomeMsg
	pool  *runtime.Pool
	obs   jetstream.ObjectStore
	end   chan error // the first reason the session ends
	local bool       // the server is on loopback
}

// joinOnce is one session: connect, join, serve, leave.
func joinOnce(ctx context.Context, addr string, o HostOptions) error {
	s := &session{o: o, addr: addr, end: make(chan error, 1)}
	if err := s.connect(ctx); err != nil {
		return err
	}
	defer s.nc.Close()
	if err := s.join(ctx); err != nil {
		return err
	}
	err := s.serve(ctx)
	// A master that is done with the host has no task left here; one that
	// is gone waits for no answer: its tasks stop at once.
	grace := 10 * time.Second
	if err != nil {
		grace = 0
	}
	closeCtx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	s.pool.Close(closeCtx)
	return err
}

// connect reaches the server, trying again until Wait has passed.
func (s *session) connect(ctx context.Context) error {
	client := "shmrun-host-" + nuid.Next()
	deadline := time.Now().Add(s.o.Wait)
	for {
		nc, err := nats.Connect(s.addr, nats.Name(client), nats.Token(s.o.Token), nats.NoReconnect(),
			nats.Timeout(2*time.Second), nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
				s.stop(fmt.Errorf("%w: connection closed: %v", ErrMasterLost, err))
			}))
		if err == nil {
			s.nc = nc
			return s.checkServer()
		}
		if errors.Is(err, nats.ErrAuthorization) {
			return fmt.Errorf("%w: the server at %s refused the token: %w", ErrRefused, s.addr, err)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("cluster: connect to %s: %w", s.addr, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// checkServer refuses a server beyond loopback that lets anybody in: any
// machine could pose as the master.
func (s *session) checkServer() error {
	u, err := url.Parse(s.nc.ConnectedUrl())
	s.local = err == nil && isLoopback(u.Hostname())
	if !s.local && !s.nc.AuthRequired() {
		s.nc.Close()
		return fmt.Errorf("%w: the server at %s requires no token", ErrImpostor, s.addr)
	}
	return nil
}

// stop ends the session for err, unless it ended already.
func (s *session) stop(err error) {
	select {
	case s.end <- err:
	default:
	}
}

// join asks to join until a master answers (or Wait passes), checks the
// master's proof, and starts the host's pool.
func (s *session) join(ctx context.Context) error {
	nonce := make([]byte, 16)
	rand.Read(nonce)
	j := joinMsg{Name: s.o.Name, PID: os.Getpid(), Workers: s.o.Workers, Build: runtime.BuildID(), Kernels: runtime.KernelsID(),
		Nonce: hex.EncodeToString(nonce), Client: connName(s.nc)}
	subj := subjects{prefix: s.o.Subject}
	deadline := time.Now().Add(s.o.Wait)
	for {
		reply, err := s.nc.Request(subj.join(), encode(j), 5*time.Second)
		if err == nil {
			if err := decode(reply.Data, &s.w); err != nil {
				return err
			}
			break
		}
		if !errors.Is(err, nats.ErrNoResponders) && !errors.Is(err, nats.ErrTimeout) || time.Now().After(deadline) {
			return fmt.Errorf("cluster: join the master at %s: %w", s.addr, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	if s.w.Refused != "" {
		return fmt.Errorf("%w: %s", ErrRefused, s.w.Refused)
	}
	if err := s.w.check(); err != nil {
		return err
	}
	proof, err := hex.DecodeString(s.w.Proof)
	if err != nil || !hmac.Equal(proof, mac(s.o.Token, j.Nonce+s.w.Session)) {
		return fmt.Errorf("%w: its proof of the token does not match", ErrImpostor)
	}
	s.subj = subjects{prefix: s.o.Subject, session: s.w.Session}
	return s.startPool(ctx)
}

// connName is the name the connection presents to the server.
func connName(nc *nats.Conn) string { return nc.Opts.Name }

// startPool starts the host's pool, sized as the master said.
func (s *session) startPool(ctx context.Context) error {
	po := &runtime.Options{Workers: s.o.Workers, ArenaSize: s.w.Arena, RingSize: s.w.Ring}
	if s.o.Pool != nil {
		s.o.Pool(po)
	}
	var err error
	if s.pool, err = runtime.Start(ctx, po); err != nil {
		return fmt.Errorf("cluster: host pool: %w", err)
	}
	js, err := jetstream.New(s.nc)
	if err == nil {
		s.obs, err = js.ObjectStore(ctx, s.w.Bucket)
	}
	if err != nil {
		s.pool.Close(ctx)
		return fmt.Errorf("cluster: the master's object store: %w", err)
	}
	return nil
}

// install fills a shared region from the master's Object Store.
func (s *session) install(ctx context.Context, name string, hash [32]byte, dst []byte) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	obj, err := s.obs.Get(ctx, hex.EncodeToString(hash[:]))
	if err != nil {
		return err
	}
	defer obj.Close()
	info, err := obj.Info()
	if err != nil {
		return err
	}
	if info.Size != uint64(len(dst)) {
		return fmt.Errorf("object of %d bytes for a region of %d", info.Size, len(dst))
	}
	_, err = io.ReadFull(obj, dst)
	return err
}

// serve runs the master's jobs until the session ends, and returns why.
func (s *session) serve(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	key := s.w.Key
	done := s.subj.done(key)
	reply := func(b []byte) { s.nc.Publish(done, b) }
	var masterBeat atomic.Int64 // CLOCK_MONOTONIC of the master's last heartbeat
	masterBeat.Store(mono.Now())
	handlers := map[string]nats.MsgHandler{
		s.subj.job(key): func(m *nats.Msg) {
			if err := s.pool.RunJob(ctx, m.Data, s.install, reply); err != nil {
				s.o.Logger.Warn("cluster: a job that is no job", "err", err)
			}
		},
		s.subj.ctl(key): s.onCtl,
		s.subj.master(): func(*nats.Msg) { masterBeat.Store(mono.Now()) },
	}
	for subject, fn := range handlers {
		sub, err := s.nc.Subscribe(subject, fn)
		if err != nil {
			return fmt.Errorf("cluster: %w", err)
		}
		sub.SetPendingLimits(-1, -1)
		defer sub.Unsubscribe()
	}
	if err := s.ready(); err != nil {
		return err
	}
	s.o.Logger.Info("cluster: joined", "master", s.addr, "as", s.w.Name, "workers", s.o.Workers)
	beat := time.Duration(s.w.BeatMS) * time.Millisecond
	masterTimeout := 2 * time.Duration(s.w.TimeoutMS) * time.Millisecond
	tick := time.NewTicker(beat)
	defer tick.Stop()
	for {
		select {
		case err := <-s.end:
			return err
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		s.nc.Publish(s.subj.beat(key), nil)
		if age := time.Duration(mono.Now() - masterBeat.Load()); age > masterTimeout {
			return fmt.Errorf("%w: no heartbeat for %v", ErrMasterLost, age.Round(time.Millisecond))
		}
	}
}

// ready tells the master the pool runs and the host listens for jobs.
func (s *session) ready() error {
	reply, err := s.nc.Request(s.subj.ready(), encode(readyMsg{Key: s.w.Key}), 10*time.Second)
	if errors.Is(err, nats.ErrTimeout) || errors.Is(err, nats.ErrNoResponders) {
		return fmt.Errorf("%w: it welcomed this host, then did not answer: %w", ErrMasterLost, err)
	}
	if err != nil {
		return fmt.Errorf("cluster: ready: %w", err)
	}
	var r readyMsg
	if err := decode(reply.Data, &r); err != nil {
		return err
	}
	if r.Error != "" {
		return fmt.Errorf("%w: %s", ErrRefused, r.Error)
	}
	return nil
}

// onCtl obeys the master: cancel jobs, or end the session.
func (s *session) onCtl(m *nats.Msg) {
	var c ctlMsg
	if err := decode(m.Data, &c); err != nil || c.check() != nil {
		s.o.Logger.Warn("cluster: a control message that is none", "err", err)
		return
	}
	switch c.Op {
	case opCancel:
		for _, id := range c.IDs {
			s.pool.CancelJob(id)
		}
	case opStop:
		s.stop(nil)
	case opKill:
		s.stop(fmt.Errorf("%w: %s", ErrKilled, c.Reason))
	}
}
