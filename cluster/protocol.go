package cluster

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// The control messages between a master and its hosts are small JSON
// documents; jobs and their answers are the runtime's flatbuffers
// (runtime.Job, Host.Complete), opaque here. Subjects, under the prefix P
// (Options.Subject) and the master's session S:
//
//	P.join          host -> master, request: join (answer: welcome)
//	P.S.ready       host -> master, request: ready, once its pool runs (answer: accepted)
//	P.S.job.K       master -> host K: a job
//	P.S.done.K      host K -> master: the answer to a job
//	P.S.ctl.K       master -> host K: cancel, stop, kill
//	P.S.beat.K      host K -> master: heartbeat (empty)
//	P.S.master      master -> hosts: heartbeat (empty)

// ErrMessage is returned, wrapped, for a control message that is not one
// this package sends: the peer is not a shmrun cluster of this version.
var ErrMessage = errors.New("cluster: malformed control message")

// maxControl bounds a control message.
const maxControl = 16 << 10

// joinMsg is a host's request to join a master.
type joinMsg struct {
	Name    string `json:"name"`    // for people: the host's name
	PID     int    `json:"pid"`     // the host process
	Workers int    `json:"workers"` // its pool's worker count
	Build   string `json:"build"`   // runtime.BuildID
	Kernels uint64 `json:"kernels"` // runtime.KernelsID
	Nonce   string `json:"nonce"`   // for the master's proof that it knows the token
	Client  string `json:"client"`  // the host's NATS connection name
}

// welcomeMsg answers a join: Refused says why not, or the rest says how.
type welcomeMsg struct {
	Refused   string `json:"refused,omitempty"`
	Session   string `json:"session,omitempty"`
	Key       string `json:"key,omitempty"`   // the host's key in subjects
	Name      string `json:"name,omitempty"`  // its name in the cluster (made unique)
	Arena     int    `json:"arena,omitempty"` // the pool's arena size the host needs
	Ring      int    `json:"ring,omitempty"`
	BeatMS    int    `json:"beat_ms,omitempty"`
	TimeoutMS int    `json:"timeout_ms,omitempty"`
	Bucket    string `json:"bucket,omitempty"` // the Object Store bucket of shared regions
	Proof     string `json:"proof,omitempty"`  // HMAC of the nonce and session with the token
}

// readyMsg says a host's pool runs and it listens for jobs; its answer is
// a readyMsg whose Error is empty when the master took the host.
type readyMsg struct {
	Key   string `json:"key"`
	Error string `json:"error,omitempty"`
}

// ctlMsg is a command to a host.
type ctlMsg struct {
	Op     string   `json:"op"` // opCancel, opStop or opKill
	IDs    []uint64 `json:"ids,omitempty"`
	Reason string   `json:"reason,omitempty"`
}

const (
	opCancel = "cancel" // cancel the jobs of IDs
	opStop   = "stop"   // the master is done with the host: leave
	opKill   = "kill"   // the master gave up on the host (Reason): leave at once
)

// Limits on what a control message may hold.
const (
	maxName    = 128
	maxWorkers = 1 << 16
	maxIDs     = 1024
)

// decode parses a control message strictly: one JSON object of the
// message's fields and no others, within maxControl bytes.
func decode(b []byte, v any) error {
	if len(b) > maxControl {
		return fmt.Errorf("%w: %d bytes", ErrMessage, len(b))
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("%w: %w", ErrMessage, err)
	}
	if d.More() {
		return fmt.Errorf("%w: data after the message", ErrMessage)
	}
	return nil
}

func encode(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // the messages are plain structs of strings and numbers
	}
	return b
}

func (m *joinMsg) check() error {
	switch {
	case m.Name == "" || len(m.Name) > maxName || !printable(m.Name):
		return fmt.Errorf("%w: host name %q", ErrMessage, m.Name)
	case m.Workers < 1 || m.Workers > maxWorkers:
		return fmt.Errorf("%w: %d workers", ErrMessage, m.Workers)
	case len(m.Build) != 64 || len(m.Nonce) != 32 || m.Client == "" || len(m.Client) > maxName:
		return fmt.Errorf("%w: join of build %q, nonce %q, client %q", ErrMessage, m.Build, m.Nonce, m.Client)
	}
	return nil
}

func (m *welcomeMsg) check() error {
	if m.Refused != "" {
		return nil
	}
	switch {
	case m.Session == "" || !token(m.Session) || !token(m.Key) || !token(m.Bucket) || m.Name == "" || len(m.Name) > maxName:
		return fmt.Errorf("%w: welcome to session %q as %q", ErrMessage, m.Session, m.Key)
	case m.Arena < 1<<16 || m.Arena > 1<<40 || m.Ring < 4096 || m.Ring > 1<<30:
		return fmt.Errorf("%w: welcome with an arena of %d bytes, rings of %d", ErrMessage, m.Arena, m.Ring)
	case m.BeatMS < 1 || m.TimeoutMS < m.BeatMS || m.TimeoutMS > 3600_000:
		return fmt.Errorf("%w: welcome with heartbeats every %d ms, timeout %d ms", ErrMessage, m.BeatMS, m.TimeoutMS)
	}
	return nil
}

func (m *ctlMsg) check() error {
	switch {
	case m.Op != opCancel && m.Op != opStop && m.Op != opKill:
		return fmt.Errorf("%w: operation %q", ErrMessage, m.Op)
	case len(m.IDs) > maxIDs || len(m.Reason) > maxControl/2:
		return fmt.Errorf("%w: %d ids", ErrMessage, len(m.IDs))
	}
	return nil
}

// token reports whether s may stand in a subject: letters, digits, '-'
// and '_', 1 to 64 of them.
func token(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// printable reports whether s holds no control characters.
func printable(s string) bool {
	return !strings.ContainsFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f })
}

// subjects names a session's subjects.
type subjects struct{ prefix, session string }

func (s subjects) join() string          { return s.prefix + ".join" }
func (s subjects) ready() string         { return s.prefix + "." + s.session + ".ready" }
func (s subjects) job(key string) string { return s.prefix + "." + s.session + ".job." + key }
func (s subjects) done(key string) string {
	return s.prefix + "." + s.session + ".done." + key
}
func (s subjects) ctl(key string) string  { return s.prefix + "." + s.session + ".ctl." + key }
func (s subjects) beat(key string) string { return s.prefix + "." + s.session + ".beat." + key }
func (s subjects) master() string         { return s.prefix + "." + s.session + ".master" }
