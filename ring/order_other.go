//go:build !amd64 || race

package ring

import "sync/atomic"

// storeOrdered stores v in w after every store before it (see
// order_amd64.go): elsewhere, sync/atomic's Store.
func storeOrdered(w *atomic.Uint64, v uint64) { w.Store(v) }
