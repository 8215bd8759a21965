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
// [Producer.Commit]) and makes a batch of frames visible with one store of
// its write position ([Producer.Flush]); [Producer.Send] does all three for
// one message. A consumer reads frames in place ([Consumer.Next]) and
// returns their space to the producer in batches. A side that streams
// small frames calls the fast paths first, which the compiler inlines
// into the caller ([Producer.TryReserve], [Consumer.NextReady]), and the
// blocking call only when they fail.
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
// Every SPSC frame starts with an 8-byte header: the payload length in the
// low 31 bits and a padding flag in bit 31 (a frame that would cross the end
// of the ring is preceded by padding up to the end). The commit signal is
// not in the frames: the producer writes headers and payloads with plain
// stores and publishes a batch with one store of its write position,
// which sits on a line of its own. The consumer reads that position only
// when the frames it already knows of run out, and reads every frame below
// it without touching the producer's line again; so the producer's next
// write does not fight the consumer's poll for the line the consumer polls.
// The consumer hands space back the same way, by storing its read position
// now and then, and the producer reads that only when it runs out of room.
//
// # Waiting
//
// A wait first polls a few dozen times with no clock read, no yield and no
// system call, which is all a peer that answers within a couple of
// microseconds ever costs. Then it polls against a time budget that adapts
// to how long waits turn out (see Options.Spin), announces itself in the
// ring's futex word, re-checks and sleeps; the other side makes the wake-up
// system call only when it finds the announcement. Publishing a position
// and then looking at the peer's sleep word, against announcing and then
// looking at the position, is a Dekker handshake that needs a full fence
// on both sides; where Linux offers membarrier (internal/fence), the
// publishing side, which runs for every batch, uses a plain store and a
// plain load, and the side about to sleep pays for both with a
// system-wide fence between its announcement and its re-check (a couple
// of microseconds, on a path that sleeps anyway). A side that sleeps also
// raises a fence request in the ring, and while it is up the peer ends
// each publication with a full fence of its own, so that the side's later
// sleeps need no system-wide fence: a request/response pair that sleeps
// on every wait pays a locked instruction per message instead of a
// membarrier per sleep (BenchmarkRoundTrip/ring-futex). The first wait
// that polling ends withdraws the request, and the stream goes back to
// plain stores. While it polls, a
// waiting consumer also reads the lines where the next frame will start,
// so that the frame reaches it together with the position that publishes
// it.
//
// # Caveats
//
// The memory is shared with processes that may crash or misbehave. The
// consumer checks the producer's position (forward only, within a capacity,
// on the frame grid) and every header below it (length, padding, within the
// ring and the published data), and the producer checks the consumer's
// position; a violation returns ErrCorrupt and the ring stays broken. Neither side ever reads or writes outside the region, but a
// misbehaving peer can always feed wrong payloads: validate what you decode.
//
// An MPMC operation is two steps (claim a slot, then publish it). A process
// that dies between them leaves that slot claimed forever and the queue stops
// at it; recover by resetting the queue when the owner of the claim is known
// to be dead.
package ring
