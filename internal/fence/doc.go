// Package fence is an asymmetric memory fence between processes: a
// Dekker-style handshake in shared memory (publish a value, then look
// whether the peer sleeps; announce a sleep, then look for the value)
// needs a full fence on both sides, since x86 lets a load pass an
// earlier store to another address. When one side runs often and the
// other rarely, the rare side can pay for both: Heavy makes every thread
// of every process that called Register, on every CPU, execute a full
// fence, so the frequent side needs only program order (a plain store,
// then a plain load), with none of the cost of a locked instruction.
//
// This is Linux's membarrier system call (MEMBARRIER_CMD_GLOBAL_EXPEDITED),
// the scheme of liburcu's "sys_membarrier" flavour: after Heavy returns,
// each fast-path thread either had its store visible to the caller, or
// will see, in its next load, what the caller stored before Heavy.
//
// # Caveats
//
// Heavy covers only processes that registered: a fast side may skip its
// fence only if Register succeeded in its process, and its peer must
// call Heavy at every point where the handshake needs the fence. Where
// the kernel lacks the command (before Linux 4.16, or under a seccomp
// filter that refuses it), Register fails and both sides keep their
// full fences. Heavy interrupts every CPU that runs a registered thread:
// a few microseconds, for a path about to sleep anyway.
package fence
