//go:build !amd64 || race

package ring

import "sync/atomic"

// storeRelease publishes v in w for the other process with release order
// (see release_amd64.go): elsewhere, sync/atomic's Store.
func storeRelease(w *atomic.Uint64, v uint64) { w.Store(v) }
