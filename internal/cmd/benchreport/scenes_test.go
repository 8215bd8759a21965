package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/internal/cmd/benchreport/compare"
)

func TestSceneTable(t *testing.T) {
	out := `pkg: github.com/shmrun/shmrun/cmd/trace
BenchmarkScenes/cornell/processes-2 6 64737763 ns/op 1.937 Mrays/busy-s 3.237 Mrays/s 1.618 Mrays/s/core
BenchmarkScenes/cornell/goroutines-2 5 105874925 ns/op 1.191 Mrays/busy-s 1.979 Mrays/s 0.9895 Mrays/s/core
BenchmarkScenes/terrain/processes-2 2 205501364 ns/op 0.3686 Mrays/busy-s 0.7088 Mrays/s 0.3544 Mrays/s/core
BenchmarkRender/processes/workers=1-2 2 62825500 ns/op 2.491 Mrays/s 15.92 frames/s
`
	set, err := compare.Parse(strings.NewReader(out), "github.com/shmrun/shmrun")
	require.NoError(t, err)
	assert.Equal(t, []string{"cornell", "terrain"}, sceneNames(set))
	md := sceneTable(set).Markdown()
	assert.Contains(t, md, "| cornell | 1.618 | 0.9895 | 1.64x | 1.000 | 1.937 | 1.191 |")
	assert.Contains(t, md, "| terrain | 0.3544 | missing | missing |  | 0.3686 | missing |")
}

func TestSceneTableMissing(t *testing.T) {
	assert.Nil(t, sceneTable(&compare.Set{}))
	md := testReport(t, &compare.Set{}).markdown()
	assert.Contains(t, md, "Missing: `cmd/trace.BenchmarkScenes` reported nothing.")
}
