package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPlacementTag(t *testing.T) {
	assert.Equal(t, "near", placementTag(map[string]float64{"bounce-before-ns": 130, "bounce-after-ns": 140, "ns/op": 5}))
	assert.Equal(t, "far", placementTag(map[string]float64{"bounce-before-ns": 500, "bounce-after-ns": 480}))
	assert.Equal(t, "mixed", placementTag(map[string]float64{"bounce-before-ns": 130, "bounce-after-ns": 480}))
	assert.Empty(t, placementTag(map[string]float64{"bounce-after-ns": 130}), "one probe is not enough")
	assert.Empty(t, placementTag(map[string]float64{"ns/op": 5}))
}

func TestPlacementTable(t *testing.T) {
	md := placementTable(fixture(t, 8)).Markdown()
	assert.Regexp(t, `\| ring\.Throughput/ring-cross-process \| 6 \| 2 \| 0 \| 13\d ns \| 50\d ns \|`, md)
	assert.Regexp(t, `\| runtime\.Dispatch/exec-gob \| 6 \| 2 \| 0 \|`, md)
	assert.NotContains(t, md, "Loopback", "in-process benchmarks of one goroutine do not probe")
	assert.NotContains(t, md, "@")
}
