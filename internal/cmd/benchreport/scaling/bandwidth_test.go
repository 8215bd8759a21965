package scaling_test

import (
	"runtime"
	"sync"
	"testing"
)

// bandwidthBytes is the size of each copy: well past the last-level cache
// of any machine we run on, so the copy streams from and to memory.
const bandwidthBytes = 128 << 20

// BenchmarkBandwidth measures the memory bandwidth the model's bandwidth
// ceiling uses: a copy of 128 MiB by one thread, and split between all
// cores. The reported throughput counts the bytes read and the bytes
// written, the traffic the memory sees.
func BenchmarkBandwidth(b *testing.B) {
	src, dst := make([]byte, bandwidthBytes), make([]byte, bandwidthBytes)
	for i := range src {
		src[i] = byte(i)
	}
	copy(dst, src) // fault every page in before timing
	b.Run("one-thread", func(b *testing.B) { benchCopy(b, dst, src, 1) })
	b.Run("all-threads", func(b *testing.B) { benchCopy(b, dst, src, runtime.GOMAXPROCS(0)) })
}

func benchCopy(b *testing.B, dst, src []byte, threads int) {
	b.SetBytes(2 * int64(len(src)))
	part := len(src) / threads
	for b.Loop() {
		var wg sync.WaitGroup
		for t := range threads {
			wg.Go(func() { copy(dst[t*part:(t+1)*part], src[t*part:(t+1)*part]) })
		}
		wg.Wait()
	}
	if dst[len(dst)/threads*threads-1] != src[len(src)/threads*threads-1] {
		b.Fatal("the copy did not land")
	}
}
