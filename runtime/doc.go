// Package runtime runs parallel work in worker processes that share the
// master's memory instead of copying it.
//
// # Basics
//
// A program registers its kernels in package variables, calls [Main] first
// thing in main, and starts a [Pool]:
//
//	var square = runtime.Register("square", func(env *runtime.Env, x int) (int, error) {
//		return x * x, nil
//	})
//
//	func main() {
//		runtime.Main() // in a worker process, this never returns
//		p, err := runtime.Start(ctx, nil)
//		...
//		squares, err := runtime.Map(ctx, p, square, numbers, nil)
//		...
//		p.Close(ctx)
//	}
//
// Start creates a shared arena (see package arena), then starts each worker
// by executing the program's own binary (/proc/self/exe) with the arena as
// an inherited file descriptor: no fork, the same effect as mapping memory
// before forking. Each worker has a task ring and a completion ring in the
// arena (see package ring); tasks and results are small flatbuffer messages,
// and bulk data stays in arena regions, where kernels read and write it in
// place ([Env.Arena]). Neither side makes a system call while the other is
// awake. A worker whose queued tasks will keep it busy well past the
// master's next look sends its results without waking the master, for a
// short while (quiet results): the master always hears of a result in
// time to send more work before the worker runs dry. [Options.PinWorkers]
// gives each worker a core of its own.
//
// Work goes out as a [Future] ([Kernel.Submit], [Kernel.Run]) or as a
// parallel map ([Map] over a slice, [MapSeq] over an iter.Seq) with
// chunking, backpressure, progress and cancellation. Processes talk through
// typed [Chan] channels with close-as-poison and [Select], and [Queue] work
// queues. [Options.Mode] can make the workers goroutines instead: the same
// kernels, the in-process baseline.
//
// # Supervision
//
// The master notices a worker's death as its process exits, wakes anything
// blocked on its rings, runs its tasks again elsewhere (the attempt number
// travels with the task: [Env.Attempt]) and starts a replacement. Only the
// task that was running when a worker crashed is blamed; after
// [Options.MaxAttempts] crashes it fails with a [*CrashError] naming the
// task, the signal or exit status and the worker's last lines of output. A
// worker that writes what no correct worker writes, stops refreshing its
// heartbeat, or sits in a kernel long past the task's deadline is killed
// and handled the same way. Before it starts any worker process, the
// master repairs the arena's header and region directory from its private
// copy ([arena.Arena.Repair]): a worker that wrote over them costs the pool
// that worker, not the replacements that could no longer attach. The master
// never trusts, and never panics on, anything read from shared memory: the
// default codecs ([CodecFor]) refuse bytes that encode no value, a bool
// byte other than 0 or 1 included, with an error wrapping [ErrDecode].
//
// Workers die with their master: a liveness pipe reaches EOF when the
// master exits for any reason, and Pdeathsig covers the same case. A worker
// gets a minimal environment: SHMRUN_WORKER, SHMRUN_SPIN, SHMRUN_BUILD,
// GOMAXPROCS (Options.WorkerProcs), SHMRUN_CPU with Options.PinWorkers,
// the variables PATH, HOME, TMPDIR, LANG,
// LC_ALL, TZ, GODEBUG, GOTRACEBACK, GOGC, GOMEMLIMIT, GORACE and GOCOVERDIR
// when the master has them, and whatever Options.Env adds. Its standard
// output and error go to Options.Stderr, never to the master's standard
// output.
//
// # Remote hosts
//
// A pool can also send tasks to remote hosts, each a pool of its own on
// another machine (package cluster carries them over NATS): a host is a
// worker slot with a capacity ([Pool.AddHost]), under the same scheduler,
// attempts, deadlines, [*CrashError] and timeline as a local worker. Only
// tasks of kernels declared [Kernel.Remote] go there, with a [Footprint]
// that says what a task touches in the arena: shared regions reach each
// host once, the bytes a task reads go with it, and those it writes in
// place come back with its result. A task overdue on a host is hedged on
// an idle local worker; the first result wins. [Main] turns a process
// whose environment sets [EnvJoin] into a host.
//
// # Caveats
//
// Kernels must be registered identically in every process, before Main
// and before Start: register them in package variables. A kernel's [Env]
// and its context are valid only during the call.
//
// A Future delivers its result once. Every Future should be waited or
// cancelled; a Future dropped unwaited keeps its task slot until the pool
// closes.
//
// Arguments and results travel in ring frames, at most
// ring.MaxFrame(Options.RingSize) bytes; pass bulk data as regions of the
// arena instead. What a crashed worker wrote into shared memory stays
// there: a kernel that writes in place must be idempotent (write, don't
// accumulate) for its re-run to give the same bytes.
package runtime
