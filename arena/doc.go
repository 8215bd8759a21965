// Package arena provides shared-memory arenas: one block of MAP_SHARED memory
// that a master process creates and its worker processes map from an
// inherited file descriptor, so that every process sees the same bytes.
//
// # Basics
//
// The master calls [Create] before it starts any worker. The arena is an
// anonymous memfd, sized once and then sealed (F_SEAL_SHRINK, F_SEAL_GROW,
// F_SEAL_SEAL), so no process can truncate it under another and cause a
// SIGBUS. Nothing is named on the file system and nothing outlives the last
// process that holds the descriptor or a mapping.
//
// The master lays out the arena in named regions with [Arena.Alloc]. It hands
// [Arena.File] to a worker (for instance through exec.Cmd.ExtraFiles); the
// worker calls [Attach] on the inherited file and finds the regions by name
// with [Arena.Region]. Everything inside an arena is addressed by offsets
// from its start, never by Go pointers: the same offset means the same byte
// in every process, whereas the mapping's address differs from one process to
// the next.
//
// An arena can instead be given a name ([Options.Name]) for a process that
// is not a child of its creator: it is then the file /dev/shm/NAME, created
// with mode 0600, which [AttachNamed] opens only if it is still a private
// regular file of the same user, and which the creator's Close removes.
//
// A [Region] gives typed views (bytes, uint32, uint64, float32) that alias
// the shared memory: a write through a view is seen by every process.
//
// # Caveats
//
// The garbage collector does not see the mapping. Never store a Go pointer in
// an arena; store offsets. Views stay valid only until [Arena.Close]: using a
// view after Close faults (SIGSEGV), exactly like bbolt's read-only mmap.
//
// Shared memory is untrusted. A worker may crash half-way through a write or
// write garbage. The creator of an arena keeps its own private copy of the
// header and region directory, so a corrupted directory cannot mislead it;
// [Attach] checks the header once and keeps what it checked, and
// [Arena.Region] checks every directory entry it reads. Garbage over the
// header would still stop the next [Attach], so the creator calls
// [Arena.Repair] before it starts a process that attaches: it rewrites the
// header and directory from the private copy. Users of a region must
// likewise check every offset and length they read from it ([Arena.Slice]
// does that for (offset, length) pairs).
//
// A named arena trades safety for reach. Linux cannot seal a tmpfs file,
// so any process of the same user (or root) that opens it can truncate it
// and make every process that maps it fault; its name stays in /dev/shm if
// the creator dies before Close. Use anonymous arenas unless a process
// must find the arena by name.
//
// Only the process that created an arena allocates regions: allocation needs
// no cross-process lock, and a crashed worker cannot leave one held. Other
// processes see regions allocated after they attached, because the directory
// is append-only and each entry is published with an atomic store.
package arena
