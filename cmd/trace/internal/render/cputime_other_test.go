//go:build !linux

package render_test

import "time"

// threadCPU and processCPU are not measured off Linux; the CPU-time metrics
// then read zero.
func threadCPU() time.Duration  { return 0 }
func processCPU() time.Duration { return 0 }
