package runtime

import (
	"fmt"
	"os"
	"sync"
)

// EnvJoin is the environment variable that makes Main turn a process into
// a remote host of a master elsewhere: its value is the address of the
// master's NATS server (nats://HOST:PORT). Package cluster does the
// joining and must be linked into the program (see SetJoin); the token,
// if the master needs one, is in SHMRUN_TOKEN.
const EnvJoin = "SHMRUN_JOIN"

var joiner struct {
	sync.Mutex
	join func(addr string) int
}

// SetJoin installs what Main runs in a process whose environment sets
// EnvJoin: package cluster installs its host in an init function, so that
// any program that imports it can be a host. join gets the variable's
// value and returns the process's exit status; it should not return before
// the process is done being a host.
func SetJoin(join func(addr string) int) {
	joiner.Lock()
	joiner.join = join
	joiner.Unlock()
}

// joinMain makes this process a host if EnvJoin asks, and never returns
// then; it returns at once otherwise.
func joinMain() {
	addr, ok := os.LookupEnv(EnvJoin)
	if !ok {
		return
	}
	joiner.Lock()
	join := joiner.join
	joiner.Unlock()
	if join == nil {
		fmt.Fprintf(os.Stderr, "shmrun: %s=%s asks this program to join a master, but it does not link package cluster (import github.com/shmrun/shmrun/cluster)\n", EnvJoin, addr)
		os.Exit(2)
	}
	os.Exit(join(addr))
}
