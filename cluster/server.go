package cluster

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// ErrNoToken is returned when a server would listen beyond the loopback
// interface, or a host would join a master there, without a token: an
// unauthenticated cluster is one anybody on the network can join, or
// impersonate.
var ErrNoToken = errors.New("cluster: a token is needed beyond 127.0.0.1 (Options.Token, -token or SHMRUN_TOKEN)")

// ServerOptions configures StartServer.
type ServerOptions struct {
	// Listen is where the server listens for clients, HOST:PORT. Port 0
	// picks a free port. Default 127.0.0.1:4222.
	Listen string
	// Token is the secret clients must present. It may be empty only
	// while Listen is a loopback address.
	Token string
	// MaxMemory bounds what JetStream keeps in memory (the shared regions
	// in the Object Store); default 4 GiB.
	MaxMemory int64
}

// Server is a NATS server of the version this package is built with:
// JetStream on, memory storage only, clients authenticated by the token.
// A master embeds one by default; StartServer runs one on its own, for
// masters and hosts that use Options.URL (trace's "nats" subcommand).
type Server struct {
	s   *server.Server
	dir string // JetStream's store directory, removed by Close
	url string
}

// maxPayload is the largest message the server carries: a job or an
// answer, with the bytes the task reads or writes in place.
const maxPayload = 8 << 20

// StartServer starts a server and waits until it takes connections.
func StartServer(o ServerOptions) (*Server, error) {
	if o.Listen == "" {
		o.Listen = "127.0.0.1:4222"
	}
	if o.MaxMemory <= 0 {
		o.MaxMemory = 4 << 30
	}
	if err := CheckListen(o.Listen, o.Token); err != nil {
		return nil, err
	}
	host, port, _ := splitListen(o.Listen)
	dir, err := os.MkdirTemp("", "shmrun-nats-")
	if err != nil {
		return nil, fmt.Errorf("cluster: %w", err)
	}
	app, sys := server.NewAccount(appAccount), server.NewAccount(sysAccount)
	auth := newAuth(o.Token)
	opts := &server.Options{
		Host: host, Port: port, NoLog: true, NoSigs: true, MaxPayload: maxPayload,
		JetStream: true, JetStreamMaxMemory: o.MaxMemory, JetStreamMaxStore: 1 << 20, StoreDir: dir,
		Accounts: []*server.Account{app, sys}, SystemAccount: sysAccount, CustomClientAuthentication: auth,
	}
	s, err := server.NewServer(opts)
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("cluster: nats server: %w", err)
	}
	// The server keeps accounts of its own, made from those of opts.
	if auth.app, err = s.LookupAccount(appAccount); err == nil {
		auth.sys, err = s.LookupAccount(sysAccount)
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("cluster: nats server: %w", err)
	}
	go s.Start()
	srv := &Server{s: s, dir: dir}
	if !s.ReadyForConnections(10 * time.Second) {
		srv.Close()
		return nil, fmt.Errorf("cluster: nats server on %s did not start (is the port taken?)", o.Listen)
	}
	limits := map[string]server.JetStreamAccountLimits{"": {MaxMemory: -1, MaxStore: -1, MaxStreams: -1, MaxConsumers: -1, MaxAckPending: -1}}
	if err := auth.app.EnableJetStream(limits, nil); err != nil {
		srv.Close()
		return nil, fmt.Errorf("cluster: jetstream: %w", err)
	}
	srv.url = s.ClientURL()
	return srv, nil
}

// URL returns the address clients connect to, nats://HOST:PORT.
func (s *Server) URL() string { return s.url }

// Close shuts the server down, disconnecting its clients, and removes
// what JetStream kept.
func (s *Server) Close() {
	s.s.Shutdown()
	s.s.WaitForShutdown()
	os.RemoveAll(s.dir)
}

// CheckListen checks a server's listen address and token as StartServer
// and Serve do, without starting anything: a CLI refuses bad flags before
// it starts workers.
func CheckListen(addr, token string) error {
	host, _, err := splitListen(addr)
	if err != nil {
		return err
	}
	if token == "" && !isLoopback(host) {
		return fmt.Errorf("listen %s: %w", addr, ErrNoToken)
	}
	return nil
}

// splitListen parses HOST:PORT; port 0 means any free port.
func splitListen(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("cluster: listen address %q: %w", addr, err)
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("cluster: listen address %q: bad port", addr)
	}
	if port == 0 {
		port = -1 // the server's "any free port"
	}
	if host == "" {
		host = "0.0.0.0"
	}
	return host, port, nil
}

// isLoopback reports whether host names only this machine.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
