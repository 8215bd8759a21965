package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReplaceBlock(t *testing.T) {
	doc := "# x\n\n## Benchmarks\n\nintro\n\n" + readmeBegin + "\nold\nlines\n" + readmeEnd + "\n\n## After\n"
	got, err := replaceBlock(doc, "new\n")
	require.NoError(t, err)
	assert.Equal(t, "# x\n\n## Benchmarks\n\nintro\n\n"+readmeBegin+"\nnew\n"+readmeEnd+"\n\n## After\n", got)
	again, err := replaceBlock(got, "new\n")
	require.NoError(t, err)
	assert.Equal(t, got, again, "idempotent")
}

func TestReplaceBlockWithoutMarkers(t *testing.T) {
	for _, doc := range []string{"# x\n", readmeBegin + "\n", readmeEnd + "\n" + readmeBegin + "\n"} {
		_, err := replaceBlock(doc, "new\n")
		assert.ErrorIs(t, err, errNoMarkers, doc)
	}
}
