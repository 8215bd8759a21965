// Package cluster runs one pool's work over several machines through
// NATS: each machine (a host) runs a shared-memory pool of its own, and
// the master sends it tasks as it sends them to its local workers.
//
// # Basics
//
// A host is the master's own binary, started to join: cluster.Join, or
// any program that imports this package run with SHMRUN_JOIN set
// (runtime.Main then joins instead of returning). It starts a pool of its
// own (worker processes, an arena, rings), announces its build
// (runtime.BuildID) and worker count, and runs what the master sends until
// the master is done with it.
//
// The master calls Serve on its pool. Serve embeds a NATS server (JetStream
// on, memory storage, the master connected in-process), or connects to an
// external one (Options.URL; StartServer runs one of the same version,
// trace's "nats" subcommand). Each host that joins becomes a slot of the
// pool with its worker count as capacity (runtime.Pool.AddHost): the
// pool's scheduler, attempts, deadlines, CrashError and timeline treat it
// like a local worker. Tasks of kernels declared runtime.Kernel.Remote go
// to hosts as core NATS messages addressed to each (runtime.Job, the
// runtime's own checked flatbuffers), and their answers come back the same
// way; other kernels stay on the master's machine.
//
// What a task touches in the arena travels as its kernel's footprint
// (runtime.Footprint) says: a shared region (a scene) reaches each host
// once, through the JetStream Object Store under its content hash, into a
// region of the same name in the host's arena; the bytes a task reads go
// with it; the bytes it writes in place (a tile of a framebuffer) come
// back with its result and land at the same offsets in the master's arena.
//
// # Faults
//
// A host that dies is noticed as its connection closes: the server tells
// the master at once (on a server of this package's; elsewhere only
// heartbeats tell). A host that stops answering (stopped, a cut link) is
// given up on when its heartbeat has not come for Options.HostTimeout.
// Either way its tasks run again elsewhere with the attempt count raised,
// and what it sends afterwards is dropped. A task that is overdue on a
// host is hedged on an idle local worker; the first result wins. A master
// that dies takes its embedded server with it: its hosts see their
// connection close and leave (HostOptions.Rejoin: wait for the next
// master), and their workers die with them. Bytes from a host are checked
// as bytes from a worker are (checksums, verified flatbuffers, strictly
// decoded control messages); a host that sends what no correct host sends
// is given up on.
//
// # Security
//
// The embedded server refuses to listen beyond 127.0.0.1 without a token
// (Options.Token): hosts present it to the server, and the master proves
// to each host that it knows it (an HMAC of the host's nonce). A host
// refuses to join a master beyond loopback without a token, a server
// there that asks for none, and a master that cannot prove the token. The
// token authenticates; it does not encrypt: run the cluster on a network
// you trust, or behind a NATS server configured with TLS.
//
// # Caveats
//
// Hosts must run the master's binary: kernels are registered by name, and
// a host of another build is refused. Channels, queues and proxy objects
// live in one machine's arena: a kernel that uses them must not be
// declared Remote. A shared region must not change once a task that names
// it was sent. A task's job and answer must fit the server's max_payload
// (8 MiB on an embedded server, 1 MiB by default elsewhere). A master that
// is killed on an external server leaves its Object Store bucket
// (shmrun-SESSION) in that server's memory until the server restarts; one
// that closes deletes it.
package cluster
