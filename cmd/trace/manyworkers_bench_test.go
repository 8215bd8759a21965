package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"testing"
	"time"
)

// BenchmarkManyWorkers starts a pool of n worker processes on this machine
// and renders the default frame (640x360, the scene's quality) with it,
// for n from 2 to 1024: start-ms is the session's opening (the pool's start
// and every handshake), frame-ms the frame, and idle-anon-KiB and
// idle-shmem-KiB each idle worker's private memory and mapped arena pages
// (RssAnon and RssShmem in /proc/PID/status), averaged over the workers.
// Each op is one start, one frame and one close; run it with
// -benchtime=1x.
func BenchmarkManyWorkers(b *testing.B) {
	for _, n := range []int{2, 64, 256, 1024} {
		b.Run(fmt.Sprintf("workers=%d", n), func(b *testing.B) {
			var start, frame time.Duration
			var anon, shmem float64
			for range b.N {
				cfg, err := parseFlags([]string{"-workers", strconv.Itoa(n), "-o", "none"}, io.Discard)
				if err != nil {
					b.Fatal(err)
				}
				ctx := context.Background()
				t0 := time.Now()
				s, err := open(ctx, cfg, io.Discard)
				if err != nil {
					b.Fatal(err)
				}
				start += time.Since(t0)
				a, sh := idleWorkerMemory(s)
				anon, shmem = anon+a, shmem+sh
				t1 := time.Now()
				err = s.run(ctx)
				frame += time.Since(t1)
				s.close(ctx)
				if err != nil {
					b.Fatal(err)
				}
			}
			per := float64(b.N)
			b.ReportMetric(float64(start.Milliseconds())/per, "start-ms")
			b.ReportMetric(float64(frame.Milliseconds())/per, "frame-ms")
			b.ReportMetric(anon/per, "idle-anon-KiB")
			b.ReportMetric(shmem/per, "idle-shmem-KiB")
		})
	}
}

// idleWorkerMemory averages RssAnon and RssShmem over the session's
// worker processes, in KiB.
func idleWorkerMemory(s *session) (anon, shmem float64) {
	ws := s.pool.Stats().Workers
	for _, w := range ws {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(w.PID) + "/status")
		if err != nil {
			continue
		}
		anon += statusKiB(b, "RssAnon:")
		shmem += statusKiB(b, "RssShmem:")
	}
	return anon / float64(len(ws)), shmem / float64(len(ws))
}

// statusKiB reads a "Key:   123 kB" line of /proc/PID/status.
func statusKiB(status []byte, key string) float64 {
	i := bytes.Index(status, []byte(key))
	if i < 0 {
		return 0
	}
	f := bytes.Fields(status[i+len(key):])
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(string(f[0]), 64)
	return v
}
