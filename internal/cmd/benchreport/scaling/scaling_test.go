package scaling_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/internal/cmd/benchreport/scaling"
)

func TestSerialFraction(t *testing.T) {
	for _, c := range []struct{ t1, t2, s float64 }{
		{1, 0.5, 0},    // perfect scaling
		{1, 1, 1},      // no scaling
		{1, 0.55, 0.1}, // 1.82x
		{1, 0.4, 0},    // superlinear: clamped
		{1, 1.3, 1},    // slower with 2: clamped
		{2e-3, 1.05e-3, 0.05},
	} {
		s, err := scaling.SerialFraction(c.t1, c.t2)
		require.NoError(t, err)
		assert.InDelta(t, c.s, s, 1e-12, "t1=%v t2=%v", c.t1, c.t2)
	}
	for _, bad := range [][2]float64{{0, 1}, {1, 0}, {-1, 1}, {math.NaN(), 1}, {1, math.Inf(1)}} {
		_, err := scaling.SerialFraction(bad[0], bad[1])
		assert.ErrorIs(t, err, scaling.ErrBadInput, "%v", bad)
	}
}

func TestPredictReproducesTheMeasurements(t *testing.T) {
	w := scaling.Workload{T1: 10e-3, T2: 5.5e-3}
	for n, want := range map[int]float64{1: 10e-3, 2: 5.5e-3} {
		p, err := w.Predict(n)
		require.NoError(t, err)
		assert.InDelta(t, want, p.SecPerOp, 1e-12)
		assert.Equal(t, scaling.Amdahl, p.Bound)
	}
}

func TestPredictAmdahl(t *testing.T) {
	w := scaling.Workload{T1: 1, T2: 0.55} // s = 0.1: speedup 1/(0.1 + 0.9/N)
	p, err := w.Predict(16)
	require.NoError(t, err)
	assert.InDelta(t, 1/(0.1+0.9/16), p.Speedup, 1e-9)
	assert.Equal(t, 16, p.Workers)
	p, err = w.Predict(64)
	require.NoError(t, err)
	assert.InDelta(t, 1/(0.1+0.9/64), p.Speedup, 1e-9)
	assert.Less(t, p.Speedup, 10.0, "never past 1/s")
}

func TestPredictDispatchCeiling(t *testing.T) {
	// 60 tasks of 10 µs of dispatch: no op in under 600 µs.
	w := scaling.Workload{T1: 20e-3, T2: 10e-3, TasksPerOp: 60, DispatchSec: 10e-6}
	p, err := w.Predict(16)
	require.NoError(t, err)
	assert.Equal(t, scaling.Amdahl, p.Bound)
	assert.InDelta(t, 16.0, p.Speedup, 1e-9)
	p, err = w.Predict(64)
	require.NoError(t, err)
	assert.Equal(t, scaling.Dispatch, p.Bound)
	assert.InDelta(t, 600e-6, p.SecPerOp, 1e-12)
	assert.InDelta(t, 20e-3/600e-6, p.Speedup, 1e-9)
}

func TestPredictBandwidthCeiling(t *testing.T) {
	// 1 MB an op at 1 GB/s: no op in under 1 ms.
	w := scaling.Workload{T1: 20e-3, T2: 10e-3, BytesPerOp: 1e6, Bandwidth: 1e9}
	p, err := w.Predict(64)
	require.NoError(t, err)
	assert.Equal(t, scaling.Bandwidth, p.Bound)
	assert.InDelta(t, 1e-3, p.SecPerOp, 1e-12)
	w.Bandwidth = 0 // unknown: no ceiling
	p, err = w.Predict(64)
	require.NoError(t, err)
	assert.Equal(t, scaling.Amdahl, p.Bound)
}

func TestPredictBadInput(t *testing.T) {
	for _, w := range []scaling.Workload{
		{T1: 0, T2: 1},
		{T1: 1, T2: 1, TasksPerOp: -1},
		{T1: 1, T2: 1, DispatchSec: -1},
		{T1: 1, T2: 1, BytesPerOp: -1},
		{T1: 1, T2: 1, Bandwidth: -1},
	} {
		_, err := w.Predict(4)
		assert.ErrorIs(t, err, scaling.ErrBadInput, "%+v", w)
	}
	_, err := scaling.Workload{T1: 1, T2: 1}.Predict(0)
	assert.ErrorIs(t, err, scaling.ErrBadInput)
}

func TestBoundString(t *testing.T) {
	assert.Equal(t, "Amdahl", scaling.Amdahl.String())
	assert.Equal(t, "dispatch", scaling.Dispatch.String())
	assert.Equal(t, "bandwidth", scaling.Bandwidth.String())
}

func TestClusterPredictions(t *testing.T) {
	// The master alone: 2 workers, 160 ms a frame of 60 tiles; with 3
	// hosts of 2 workers, 42 ms (W/N = 40 ms, so o = 2 ms); 200 µs of the
	// master's CPU and 16.6 KB over its link per remote tile, on 1 Gbit/s.
	c := scaling.Cluster{T0: 160e-3, T3: 42e-3, H3: 3, Local: 2, PerHost: 2, Tasks: 60, RemoteCPU: 200e-6, TaskBytes: 16.6e3, Link: 125e6}
	p, err := c.Predict(3)
	require.NoError(t, err)
	assert.InDelta(t, 42e-3, p.SecPerOp, 1e-9, "the model reproduces its measurement")
	assert.Equal(t, scaling.Work, p.Bound)
	p, err = c.Predict(0)
	require.NoError(t, err)
	assert.InDelta(t, 160e-3, p.SecPerOp, 1e-9)
	p, err = c.Predict(16)
	require.NoError(t, err)
	assert.Equal(t, 34, p.Workers)
	// 60·32/34 = 56.5 remote tiles cost the master 11.3 ms of CPU, just
	// under the 320/34 + 2 = 11.4 ms of work: work sets it.
	assert.Equal(t, scaling.Work, p.Bound)
	assert.InDelta(t, 320e-3/34+2e-3, p.SecPerOp, 1e-9)
	c.RemoteCPU = 400e-6
	p, err = c.Predict(16)
	require.NoError(t, err)
	assert.Equal(t, scaling.MasterCPU, p.Bound)
	c.Link = 12.5e6 // 100 Mbit/s
	p, err = c.Predict(16)
	require.NoError(t, err)
	assert.Equal(t, scaling.Link, p.Bound)
	_, err = scaling.Cluster{}.Predict(4)
	assert.ErrorIs(t, err, scaling.ErrBadInput)
}
