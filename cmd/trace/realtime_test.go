package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPatternFramesAreTheSameBytesWhateverTheWorkersOrMode(t *testing.T) {
	for _, p := range []string{"half", "quarter", "sparse", "checker"} {
		t.Run(p, func(t *testing.T) {
			common := []string{"-size", "96x54", "-frames", "5", "-pattern", p}
			want := frames(t, append(common, "-workers", "1")...)
			require.Len(t, want, 5)
			full := frames(t, "-size", "96x54", "-frames", "5", "-workers", "1")
			assert.False(t, bytes.Equal(want[4], full[4]), "the pattern fills some pixels")
			for _, extra := range [][]string{{"-workers", "2"}, {"-mode", "goroutines", "-workers", "2"}, {"-workers", "2", "-tile", "13"}} {
				got := frames(t, append(common, extra...)...)
				for i := range want {
					assert.True(t, bytes.Equal(want[i], got[i]), "frame %d differs with %v", i, extra)
				}
			}
		})
	}
}

func TestPatternFramesAreTheSameBytesAfterSIGKILL(t *testing.T) {
	args := []string{"-size", "160x90", "-frames", "100", "-pattern", "quarter", "-workers", "2", "-tile", "8"}
	want := frames(t, args...)
	stop := startKilling(t, 4)
	got := frames(t, args...)
	n := stop()
	t.Logf("%d workers SIGKILLed during the render", n)
	require.Positive(t, n, "the render outlived no kill: make it longer")
	assertSameFrames(t, want, got, "after crashes")
}

func TestPSNRComparesAPacedRunWithFullQuality(t *testing.T) {
	for _, fill := range []string{"reproject", "blocks"} {
		t.Run(fill, func(t *testing.T) {
			m := statsOf(t, "-size", "96x54", "-frames", "40", "-fps", "60", "-fill", fill, "-psnr", "-o", "none", "-q")
			assert.Equal(t, true, m["replay_identical"], "the replay of the run's qualities gives the bytes shown")
			assert.Equal(t, 40.0, m["psnr_frames"])
			mean, low := m["psnr_mean_db"].(float64), m["psnr_min_db"].(float64)
			// The rungs the controller picks depend on the machine's load
			// (under -race on a busy machine, step 2 blocks read 13.6 dB and
			// step 16 for whole seconds 10.6 dB), so the floor sits below
			// every rung; the replay check above is what ties the figure to
			// the frames shown.
			assert.Greater(t, mean, 8.0)
			assert.LessOrEqual(t, low, mean)
			share := m["traced_share"].(float64)
			assert.Greater(t, share, 0.0)
			assert.LessOrEqual(t, share, 1.0)
			assert.Equal(t, fill, m["fill"])
			t.Logf("%s: PSNR mean %.1f dB min %.1f dB, traced %.2f, qualities %v", fill, mean, low, share, m["qualities"])
		})
	}
}

func TestPatternTracesItsShare(t *testing.T) {
	m := statsOf(t, "-size", "320x180", "-frames", "6", "-pattern", "quarter", "-psnr", "-o", "none", "-q")
	share := m["traced_share"].(float64)
	assert.Greater(t, share, 0.25)
	assert.Less(t, share, 0.8, "many pixels the pattern leaves out are filled")
	assert.Greater(t, m["psnr_mean_db"], 25.0)
	assert.Equal(t, true, m["replay_identical"])
}

func TestPatternAndPSNRNeedAnAnimation(t *testing.T) {
	for _, args := range [][]string{{"-pattern", "half"}, {"-psnr"}} {
		code, stderr := trace(t, append([]string{"-scene", "cornell", "-size", "32x32", "-o", "none"}, args...)...)
		assert.Equal(t, 2, code, stderr)
		assert.Contains(t, stderr, "still")
	}
	code, stderr := trace(t, "-pattern", "half", "-fps", "30", "-o", "none")
	assert.Equal(t, 2, code, stderr)
	code, stderr = trace(t, "-fill", "blokcs", "-o", "none")
	assert.Equal(t, 2, code, stderr)
	assert.Contains(t, stderr, "blocks")
}

func TestStepIsBilinearUnlessFillBlocks(t *testing.T) {
	common := []string{"-size", "96x54", "-frames", "3", "-step", "3", "-psnr", "-o", "none", "-q"}
	smooth, blocks := statsOf(t, common...), statsOf(t, append(common, "-fill", "blocks")...)
	assert.Equal(t, true, smooth["quality"].(map[string]any)["bilinear"])
	assert.NotContains(t, blocks["quality"].(map[string]any), "bilinear")
	assert.Greater(t, smooth["psnr_mean_db"], blocks["psnr_mean_db"], "bilinear is closer to full quality than blocks")
	assert.InDelta(t, 1.0/9, blocks["traced_share"], 0.02)
}

func TestPSNRSummarySaysWhenEveryFrameIsFullQuality(t *testing.T) {
	full := psnrResult{mean: maxPSNR, min: maxPSNR, frames: 1, identical: true}
	assert.Equal(t, "every frame shown is the full-quality frame (PSNR infinite, 100 dB in -stats) over 1 frame (the replay gave the same bytes)", full.summary())
	some := psnrResult{mean: 21.5, min: 19.25, frames: 600}
	assert.Equal(t, "PSNR against full quality mean 21.50 dB, min 19.25 dB over 600 frames (the replay gave OTHER BYTES than shown)", some.summary())
}
