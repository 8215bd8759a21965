package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/internal/cmd/benchreport/compare"
	"github.com/shmrun/shmrun/internal/cmd/benchreport/scaling"
)

func TestModels(t *testing.T) {
	ms := models(fixture(t, 8))
	require.Len(t, ms, len(modelSpecs))
	render := ms[1]
	require.NoError(t, render.err)
	assert.InDelta(t, 2*20.4/40-1, render.s, 0.01)
	assert.Equal(t, 60.0, render.w.TasksPerOp, "640x360 in 64-pixel tiles")
	assert.InDelta(t, 5e-6, render.w.DispatchSec, 1e-7, "Dispatch/processes-chunk1")
	assert.InDelta(t, 20e9, render.w.Bandwidth, 0.1e9)
	require.Len(t, render.preds, len(modelWorkers))
	for i, p := range render.preds {
		assert.Equal(t, modelWorkers[i], p.Workers)
		if i > 0 {
			assert.GreaterOrEqual(t, p.Speedup, render.preds[i-1].Speedup, "more workers never predict less")
		}
	}
	// 60 tasks of 5 µs: 300 µs a frame at best; Amdahl with s = 0.02
	// allows 40 ms · (0.02 + 0.98/64) = 1.4 ms, so Amdahl sets 64.
	last := render.preds[len(render.preds)-1]
	assert.Equal(t, scaling.Amdahl, last.Bound)
	assert.InDelta(t, 40.0/(40*(render.s+(1-render.s)/64)), last.Speedup, 0.01)
}

func TestModelMissingInput(t *testing.T) {
	var set compare.Set
	set.Add(key("runtime", "Map/processes/workers=1"), "sec/op", 1e-3)
	ms := models(&set)
	for _, m := range ms {
		assert.ErrorIs(t, m.err, compare.ErrNoSamples, m.spec.name)
		assert.Empty(t, m.preds)
	}
}

func TestModelTables(t *testing.T) {
	m := models(fixture(t, 8))[0]
	in := m.inputTable().Markdown()
	assert.Contains(t, in, "| s, serial fraction | 0.0")
	assert.Contains(t, in, "measured: runtime.Dispatch/processes")
	out := m.predictionTable().Markdown()
	assert.Contains(t, out, "| 2 | ")
	assert.Contains(t, out, "(fitted to the measurement)")
	assert.Regexp(t, `\| 64 \| [0-9.]+µs \| [0-9.]+x \(PREDICTED\) \| Amdahl \|`, out)
}
