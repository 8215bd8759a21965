// Package ring provides lock-free queues that live inside a shared-memory
// arena region, so that separate processes can pass messages without a
// system call on the fast path.
//
// # Basics
//
// An SPSC ring carries variable-length frames from one producer to one
// consumer. The creator formats a region with [InitSPSC]; each side then
// opens its end with [NewProducer] or [NewConsumer], in whichever process it
// runs. A producer writes a frame in place ([Producer.Reserve],
// [Producer.Commit]) and makes a batch of frames visible with one atomic store
// ([Producer.Flush]); [Producer.Send] does all three for one message. A
// consumer reads frames in place ([Consumer.Next]) and returns their space to
// the producer in batches.
//
// An MPMC queue ([InitMPMC], [OpenMPMC]) carries fixed-capacity messages
// between any number of producers and consumers in any number of processes,
// with one compare-and-swap per operation (Dmitry Vyukov's bounded queue).
//
// Blocking calls take a context. They spin for a bounded time (Options.Spin,
// tens of microseconds) and then sleep on a futex in the shared memory; the
// other side issues the wake-up system call only when a sleeper announced
// itself. Close wakes every sleeper on both sides.
//
// # Frame layout and commit
//
// Every SPSC frame starts with an 8-byte header: the payload length in the low
// 30 bits, a flag in bit 30 that is always set (so a header is never zero), a
// padding flag in bit 31, and the low 32 bits of the frame's sequence number
// above. The header is the commit flag: it is written after
// the payload, and the consumer polls the header at its read position. Within
// a batch every header but the first is a plain store, and the first is
// stored last with an atomic store, which publishes the whole batch at once.
// When it reserves a frame the producer zeroes the header slot that follows
// it, so the consumer finds either zero ("nothing yet") or the next header,
// never stale bytes from an earlier lap. No tail index is shared: a consumer
// waiting on an empty ring polls the very line the next frame lands on, so a
// frame reaches it in the fewest cache-line transfers. Send writes the
// payload bytes that share the header's line last, for the same reason.
//
// # Waiting
//
// A wait first polls a few dozen times with no clock read, no yield and no
// system call, which is all a peer that answers within a couple of
// microseconds ever costs. Then it polls against a time budget that adapts
// to how long waits turn out (see Options.Spin), announces itself in the
// ring's futex word, re-checks and sleeps; the other side makes the wake-up
// system call only when it finds the announcement.
//
// # Caveats
//
// The memory is shared with processes that may crash or misbehave. The
// consumer checks every header (sequence, length, padding) and the producer
// checks the consumer's index; a violation returns ErrCorrupt and the ring
// stays broken. Neither side ever reads or writes outside the region, but a
// misbehaving peer can always feed wrong payloads: validate what you decode.
//
// An MPMC operation is two steps (claim a slot, then publish it). A process
// that dies between them leaves that slot claimed forever and the queue stops
// at it; recover by resetting the queue when the owner of the claim is known
// to be dead.
package ring
