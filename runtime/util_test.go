package runtime_test

import (
	"iter"
	"sync/atomic"
)

type atomicCounter = atomic.Int64

func countingSeq(n int, pulled *atomicCounter) iter.Seq[int] { return counting(n, pulled) }
