// Package proxy lets a process call an object that lives in another one
// of the same pool: the master calls an object in a worker, a worker one
// in the master, or a worker one in another worker. A call carries its
// argument to the object's home process, runs the method there and brings
// the result back, through the pool's shared arena: no sockets, no
// copies through the kernel.
//
// # Basics
//
// The master makes the pool's hub once, after runtime.Start, and closes it
// before the pool; a kernel gets its own process's hub with Open.
// Any process serves an object: a Service with methods registered by
// name, published under a name.
//
//	svc := proxy.NewService("counter")
//	proxy.Method(svc, "add", func(ctx context.Context, n int) (int, error) {
//		return total.Add(int64(n)), nil
//	})
//	err := hub.Serve(ctx, svc)
//
// Any process gets a proxy by name and calls it through a typed stub:
//
//	obj, err := hub.Dial("counter")
//	add := proxy.NewStub[int, int](obj, "add")
//	sum, err := add.Call(ctx, 5)
//
// Arguments and results are encoded with the codecs of package runtime:
// ordinary types need no code. Many goroutines may call at once; each
// process runs Options.Handlers calls at a time.
//
// A caller that needs no result posts instead: Post returns once the call
// is delivered, without waiting for it to run, and the home process's
// Drain waits until what was delivered to it so far has run:
//
//	err := add.Post(ctx, 5) // in a kernel, say
//	...
//	err = hub.Drain(ctx) // in the home, once the kernels returned
//
// PostLazy does not even wake the home: the post waits in its slot until
// the home next looks (a Drain, another call's wake-up, a handler's poll,
// or the end of a handler's bounded futex sleep). It suits reports drained at known points,
// where a wake-up per post would cost a system call and a preempted core.
//
// A call or post to an object homed in the calling process (every call in
// goroutine mode) runs the method on the caller's goroutine: the same
// codecs, errors, deadlines and turns (Options.Handlers), no shared memory
// and no wake-up.
//
// A call is a flatbuffer envelope (call id, object, method, deadline,
// argument bytes) that the caller writes into one of its own call slots in
// the arena; the home's handler claims it, runs the method, and writes the
// reply envelope (call id, status, error text, result bytes) over it.
// Callers and idle handlers poll for up to Options.Spin, then sleep on
// futexes; each learns from its recent waits whether polling pays, so a
// caller of quick methods gets its reply in a microsecond or two, while
// one of slow methods, or on a machine with more runnable threads than
// cores, sleeps at once instead of stealing the CPU from the process it
// waits for.
//
// # Posts
//
// A post is a call whose envelope says one-way: the home hands its slot
// back as soon as it has read it, runs the method, and drops the result.
// A method's error or panic, or a post that cannot run, is counted in the
// home's Stats.PostErrors and logged at Debug level there (the master's
// Options.Logger). A process's posts are not ordered, among themselves or
// with its calls: the home runs them on several goroutines as they come.
// A delivered post runs once, even if its caller dies, unless its home
// dies first; Drain is the way to know that posts ran: a post delivered
// before an event the home has observed, such as a task's result reaching
// the master, is covered by a Drain after it.
//
// # Errors
//
// Errors come back as errors, matched with errors.Is: ErrUnknownObject,
// ErrUnknownMethod, a *RemoteError (ErrRemote) with the text of the error
// the method returned, or ErrPanic if it panicked (its home lives on),
// ErrDeadline (and context.DeadlineExceeded) when the caller's deadline
// passes, and ErrHomeDied when the home process died: the master learns of
// a worker's death from the runtime's supervisor and fails the calls
// pending on its objects at once, and every later call at once too.
//
// # Caveats
//
// The master's hub lives in the pool's arena: close the hub before the
// pool. A worker's hub lives as long as its process; an object served by a
// worker dies with it, and a replacement worker must serve it again.
//
// A call slot holds Options.MaxMessage bytes: pass bulk data through arena
// regions, not as arguments. A process has 64 call slots: more concurrent
// calls, and posts its homes have not read yet, wait for one to free up.
// A call to an object in the same process takes no slot, but is held to
// the same size. A caller that gives up (its context ended)
// does not stop a method already running; the method's own context ends at
// the call's deadline.
//
// Everything read from the arena is checked: envelopes are verified before
// they are decoded, and an envelope that does not verify is counted
// (Stats.Malformed), logged, and answered with ErrMalformed.
package proxy
