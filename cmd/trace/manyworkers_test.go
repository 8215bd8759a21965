package main

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Far more workers than CPUs work, slowly but surely: they start a few at
// a time, do not poll, and a starved one is not taken for dead. 256
// workers on 2 cores render the default frame well within the bound
// (BENCHMARKS.md has start and frame times for 2 to 1024 workers).
func TestManyWorkersRenderTheDefaultFrame(t *testing.T) {
	bin := traceBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	out, err := exec.CommandContext(ctx, bin, "-workers", "256", "-o", "none").CombinedOutput()
	took := time.Since(start)
	require.NoError(t, err, "%s", out)
	t.Logf("256 workers: %v\n%s", took.Round(time.Millisecond), out)
	assert.Contains(t, string(out), "trace: 1 frame in")
	assert.Contains(t, string(out), "trace: warning: 256 workers on", "one warning line")
	assert.Equal(t, 1, strings.Count(string(out), "warning"))
	assert.Less(t, took, time.Minute)
}
