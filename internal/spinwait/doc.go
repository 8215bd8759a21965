// Package spinwait is how shmrun waits for another process: poll a word in
// shared memory for a while, then sleep on a futex until the peer wakes
// the sleeper. It is the one implementation behind the ring's blocking
// calls and the proxy's callers and handlers.
//
// # Basics
//
// A wait takes a Spinner from a Budget (or a fixed one from Fixed), polls
// its condition while Spinner.More says so, and, if the condition still
// does not hold, calls Spinner.Sleeping, announces itself where the peer
// looks, re-checks the condition and calls Sleep. The peer changes the
// word and wakes the sleeper (Kick wakes every sleeper on a word). When
// the wait is over, Budget.Done learns from it how long the next wait
// should poll.
//
// A spin is bounded by time, not by a count of polls, so it means the same
// on a fast and a slow machine, but the clock is read only after a first
// run of quick polls fails: a peer that answers within a couple of
// microseconds costs no clock read, no yield and no system call.
//
// # Caveats
//
// Sleep may return early for no reason and lasts at most a quarter of a
// second even when nobody wakes it: the caller re-checks its condition
// either way. That bound also covers a peer that died between changing the
// word and waking the sleeper.
package spinwait
