package spinwait

// pause executes the x86 PAUSE instruction: it tells the core it is in a
// spin loop, which stops the loop from stealing the cache line the other
// side is writing on every iteration, and avoids the memory-order pipeline
// flush when the line finally changes.
//
//go:noescape
func pause()
