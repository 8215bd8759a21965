package ring

import "time"

// DefaultSpin is how long a blocking call polls before it sleeps when
// Options.Spin is zero: long enough to catch a peer that answers within a
// few microseconds, short enough not to steal a core from it for long.
const DefaultSpin = 20 * time.Microsecond

// Options configures how blocking calls wait. The zero value is valid.
type Options struct {
	// Spin is the longest a blocking call polls before it sleeps on a
	// futex: 0 means DefaultSpin, a negative value means sleep at once.
	// Within it the budget adapts to how long waits turn out; the one
	// wait that follows a wake-up of the peer polls at least
	// spinwait.WakeGrace, unless Spin is negative.
	Spin time.Duration
	// HandOff makes a call that sleeps give its goroutine's P (the Go
	// scheduler's right to run code) to the process's other goroutines for
	// the sleep, at the cost of a thread wake-up per sleep. Set it where
	// several goroutines of one process sleep on rings while others have
	// work, as a master's readers of results do: without it, the goroutine
	// a reader just readied may wait for its P until the runtime takes the
	// P back from the sleeper, up to 10 ms later. Leave it unset where one
	// goroutine does the work, as in a worker: a sleep that keeps its P
	// wakes faster.
	HandOff bool
}

func (o *Options) handOff() bool { return o != nil && o.HandOff }

func (o *Options) spin() time.Duration {
	switch {
	case o == nil || o.Spin == 0:
		return DefaultSpin
	case o.Spin < 0:
		return 0
	}
	return o.Spin
}
