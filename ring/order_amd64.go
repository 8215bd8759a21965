//go:build amd64 && !race

package ring

import (
	"sync/atomic"
	"unsafe"
)

// storeOrdered stores v in w after every store before it, as the peer
// sees them: on amd64 a plain store does (stores are not reordered with
// other stores, and the compiler keeps them in program order), without
// the full fence of sync/atomic's Store (an XCHG). The race detector's
// builds keep the atomic store, which it understands.
func storeOrdered(w *atomic.Uint64, v uint64) { *(*uint64)(unsafe.Pointer(w)) = v }
