//go:build linux && !race

// The race detector would rightly report the plain accesses below: they
// are the point of the test.

package fence_test

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/internal/fence"
)

// dekker is the handshake the package exists for, one word per cache line:
// the fast side stores x, then loads y, with plain accesses; the slow side
// stores y, fences and loads x. Round i is lost if neither load sees the
// other side's store of i.
type dekker struct {
	doneX atomic.Uint64 // rounds the fast side finished
	_     [56]byte
	doneY atomic.Uint64 // rounds the slow side finished
	_     [56]byte
	x     uint64
	_     [56]byte
	y     uint64
	_     [56]byte
}

func plainStore(w *uint64, v uint64) { *(*uint64)(unsafe.Pointer(w)) = v }
func plainLoad(w *uint64) uint64     { return *(*uint64)(unsafe.Pointer(w)) }

// run plays rounds of the handshake between two goroutines, each round
// starting once both sides finished the one before, the slow side fencing
// with slowFence, and counts the lost rounds.
func run(rounds uint64, slowFence func()) int {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(max(2, runtime.GOMAXPROCS(0))))
	var d dekker
	sawY := make([]bool, rounds+1)
	sawX := make([]bool, rounds+1)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // the fast side
		defer wg.Done()
		for i := uint64(1); i <= rounds; i++ {
			for d.doneY.Load() < i-1 {
			}
			plainStore(&d.x, i)
			sawY[i] = plainLoad(&d.y) >= i
			d.doneX.Store(i)
		}
	}()
	go func() { // the slow side
		defer wg.Done()
		for i := uint64(1); i <= rounds; i++ {
			for d.doneX.Load() < i-1 {
			}
			plainStore(&d.y, i)
			slowFence()
			sawX[i] = plainLoad(&d.x) >= i
			d.doneY.Store(i)
		}
	}()
	wg.Wait()
	lost := 0
	for i := uint64(1); i <= rounds; i++ {
		if !sawX[i] && !sawY[i] {
			lost++
		}
	}
	return lost
}

// TestHeavyOrdersAPlainStoreBeforeAPlainLoad plays the handshake with
// Heavy as the slow side's fence: no round may be lost. The same rounds
// with only a compiler barrier show what Heavy prevents (logged: whether
// the hardware reorders within a given run depends on timing).
func TestHeavyOrdersAPlainStoreBeforeAPlainLoad(t *testing.T) {
	require.NoError(t, fence.Register(), "this kernel offers membarrier's global expedited command")
	rounds := uint64(20_000)
	if testing.Short() {
		rounds = 3_000
	}
	assert.Zero(t, run(rounds, fence.Heavy), "rounds in which neither side saw the other's store")
	t.Logf("without the fence, %d of %d rounds were lost", run(rounds, func() {}), rounds)
}
