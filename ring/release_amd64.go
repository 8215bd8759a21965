//go:build amd64 && !race

package ring

import (
	"sync/atomic"
	"unsafe"
)

// storeRelease publishes v in w for the other process with release order:
// every store before it is visible before it. On amd64 a plain store does
// that (stores are not reordered with other stores, and the compiler keeps
// them in program order); sync/atomic's Store is an XCHG, a full barrier
// that first waits for every store before it to reach the cache, frame
// lines the other side holds included, and only then fetches w's line.
// The race detector's builds keep the atomic store, which it understands.
func storeRelease(w *atomic.Uint64, v uint64) { *(*uint64)(unsafe.Pointer(w)) = v }
