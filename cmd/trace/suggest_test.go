package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestEditDistanceCountsASwapAsOneEdit(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "fps", 3},
		{"fps", "fps", 0},
		{"fsp", "fps", 1}, // a swap
		{"sfp", "fps", 2}, // two swaps' worth
		{"fram", "frames", 2},
		{"secne", "scene", 1}, // "ec" swapped
		{"workrs", "workers", 1},
		{"kitten", "sitting", 3},
	} {
		assert.Equal(t, c.want, editDistance(c.a, c.b), "%q to %q", c.a, c.b)
		assert.Equal(t, c.want, editDistance(c.b, c.a), "%q to %q", c.b, c.a)
	}
}

func TestClosestSuggestsASwappedShortFlag(t *testing.T) {
	names := []string{"fps", "frames", "scene", "step", "size"}
	assert.Equal(t, "fps", closest("fsp", names))
	assert.Equal(t, "", closest("xyz", names))
}
