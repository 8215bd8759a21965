package compare_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/internal/cmd/benchreport/compare"
)

func TestSummarizeFewRunsFallsBackToMinMax(t *testing.T) {
	in := []float64{3, 1, 2}
	s := compare.Summarize(in)
	assert.Equal(t, compare.Summary{Median: 2, Lo: 1, Hi: 3, N: 3, Interval: compare.MinMax}, s)
	assert.Equal(t, []float64{3, 1, 2}, in, "the caller's slice is not sorted")
	assert.Equal(t, compare.Summary{}, compare.Summarize(nil))
}

func TestSummarizeEnoughRunsGivesCI(t *testing.T) {
	s := compare.Summarize([]float64{10, 11, 12, 13, 14, 15, 16, 17, 18, 100})
	assert.Equal(t, compare.CI, s.Interval)
	assert.InDelta(t, 14.5, s.Median, 1e-9)
	assert.Greater(t, s.Median, s.Lo)
	assert.Less(t, s.Hi, 100.0, "the outlier is outside the median's interval")
	assert.Equal(t, 10, s.N)
}

func TestCompareLowerIsBetter(t *testing.T) {
	ours := []float64{1, 1.1, 0.9, 1, 1.05, 0.95, 1}
	base := []float64{3, 3.3, 2.7, 3, 3.15, 2.85, 3}
	r, err := compare.Compare(ours, base, compare.Lower)
	require.NoError(t, err)
	assert.InDelta(t, 3.0, r.Center, 1e-9)
	assert.Less(t, r.Lo, r.Center)
	assert.Greater(t, r.Hi, r.Center)
	assert.Equal(t, compare.CI, r.Interval)
	assert.True(t, r.Significant)
	assert.Less(t, r.P, 0.01)

	back, err := compare.Compare(base, ours, compare.Lower)
	require.NoError(t, err)
	assert.InDelta(t, 1/3.0, back.Center, 1e-9)
}

func TestCompareHigherIsBetter(t *testing.T) {
	r, err := compare.Compare([]float64{20, 22, 18}, []float64{10, 11, 9}, compare.Higher)
	require.NoError(t, err)
	assert.InDelta(t, 2.0, r.Center, 1e-9)
	assert.InDelta(t, 18.0/11, r.Lo, 1e-9)
	assert.InDelta(t, 22.0/9, r.Hi, 1e-9)
	assert.Equal(t, compare.MinMax, r.Interval)
	assert.False(t, r.Significant, "3 runs a side cannot reach p < 0.05")
}

func TestCompareSameIsNotSignificant(t *testing.T) {
	v := []float64{5, 6, 5, 6, 5, 6, 5, 6}
	r, err := compare.Compare(v, v, compare.Lower)
	require.NoError(t, err)
	assert.InDelta(t, 1.0, r.Center, 1e-9)
	assert.False(t, r.Significant)
}

func TestCompareNoSamples(t *testing.T) {
	_, err := compare.Compare(nil, []float64{1}, compare.Lower)
	assert.ErrorIs(t, err, compare.ErrNoSamples)
	_, err = compare.Compare([]float64{1}, nil, compare.Higher)
	assert.ErrorIs(t, err, compare.ErrNoSamples)
}

func TestRatioString(t *testing.T) {
	r := compare.Ratio{Center: 3.104, Lo: 2.951, Hi: 31.4, P: 0.0021}
	assert.Equal(t, "3.10x [2.95x-31.4x] p=0.002", r.String())
	r = compare.Ratio{Center: 150, Lo: math.NaN(), Hi: math.Inf(1), P: 1}
	assert.Equal(t, "150x [?x-∞x] p=1.000", r.String())
}

func TestFormat(t *testing.T) {
	assert.Equal(t, "118.7ns", compare.Format(118.7e-9, "sec/op"))
	assert.Equal(t, "514.6MiB/s", compare.Format(539.6e6, "B/s"))
	assert.Equal(t, "15.9 frames/s", compare.Format(15.9, "frames/s"))
	assert.Equal(t, "0.9895 Mrays/s", compare.Format(0.98949, "Mrays/s"))
	assert.Equal(t, "123457 items", compare.Format(123456.7, "items"))
	assert.Equal(t, "0 allocs/op", compare.Format(0, "allocs/op"))
	assert.Equal(t, "3.240ms", compare.Format(3240, "p99-late-µs"))
	assert.Equal(t, "640.0µs", compare.Format(0.64, "notice-ms"))
	assert.Equal(t, "4.000ms", compare.Format(4, "recover-ms"))
	assert.Equal(t, "900.0KiB", compare.Format(921600, "B"))
}

func TestFormatRatio(t *testing.T) {
	for v, want := range map[float64]string{3.104: "3.10x", 31.44: "31.4x", 150.2: "150x", 0.667: "0.67x", math.NaN(): "?x", math.Inf(1): "∞x"} {
		assert.Equal(t, want, compare.FormatRatio(v))
	}
}
