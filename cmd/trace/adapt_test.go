package main

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/cmd/trace/internal/render"
)

func TestLadderIsBaseThenCheaper(t *testing.T) {
	base := render.Quality{SPP: 4, MaxDepth: 3, PixelStep: 1, Integrator: render.Path}
	rs := ladder(base, 640, 360, false)
	require.NotEmpty(t, rs)
	assert.Equal(t, base, rs[0].q, "the best rung is the base quality")
	assert.Equal(t, float64(640*360*4), rs[0].traced)
	for i, r := range rs {
		assert.Equal(t, base.Integrator, r.q.Integrator)
		assert.Equal(t, base.MaxDepth, r.q.MaxDepth)
		assert.Contains(t, []int{1, 2, 4}, r.q.SPP)
		assert.Equal(t, float64(ceilDiv(640, r.q.PixelStep)*ceilDiv(360, r.q.PixelStep)*r.q.SPP), r.traced)
		assert.Equal(t, r.traced, r.cost(fillReject), "blocks cost their samples alone")
		assert.Equal(t, render.PatternAll, r.q.Pattern)
		if i > 0 {
			assert.Less(t, r.traced, rs[i-1].traced, "rung %d is cheaper than rung %d", i, i-1)
		}
	}
	last := rs[len(rs)-1].q
	assert.Equal(t, 1, last.SPP)
	assert.Equal(t, ladderSteps[len(ladderSteps)-1], last.PixelStep)
}

func TestLadderKeepsACoarseBaseStep(t *testing.T) {
	for _, base := range []int{3, 5} {
		rs := ladder(render.Quality{SPP: 1, PixelStep: base}, 64, 36, true)
		require.NotEmpty(t, rs)
		for _, r := range rs {
			assert.GreaterOrEqual(t, r.q.PixelStep, base)
		}
		assert.Equal(t, base, rs[0].q.PixelStep, "the base quality is the best rung")
	}
}

// machine is a simulated renderer: a frame's busy time is perSamp per
// sample, spread over the workers, plus fixed latency; a frame with a
// pattern traces the share reject of the pixels it fills.
type machine struct {
	perSamp time.Duration
	fixed   time.Duration
	reject  float64
	// pattern, when set, is what a sample of a half or quarter pattern
	// costs as a multiple of perSamp, and patternWait the latency such a
	// frame adds waiting for the previous one
	pattern     float64
	patternWait time.Duration
}

func (m machine) frame(r rung, workers int) (latency, busy time.Duration) {
	busy = time.Duration(r.cost(m.reject) * float64(m.perSamp))
	fixed := m.fixed
	if classOf(r.q) == classPattern && m.pattern > 0 {
		busy = time.Duration(float64(busy) * m.pattern)
		fixed += m.patternWait
	}
	return busy/time.Duration(workers) + fixed, busy
}

// work is what the tiles of a frame at rung r report on m.
func (m machine) work(r rung) frameWork {
	spp, reject := float64(r.q.SPP), m.reject
	if r.q.PixelStep > 1 || r.q.Pattern == render.PatternAll || r.q.Pattern.Clamped() {
		reject = 0 // nothing it fills is traced instead
	}
	return frameWork{samples: uint64(r.traced + reject*r.filled*spp), traced: uint64(r.traced/spp + reject*r.filled),
		pixels: uint64(r.traced/spp + r.filled)}
}

// drive runs the controller for frames frames on the machine that load
// returns for each frame, and returns the rung index chosen for each.
func drive(c *controller, frames int, load func(n int) machine) []int {
	var used []int
	for n := range frames {
		q := c.choose(n)
		i := rungOf(c, q)
		m := load(n)
		lat, busy := m.frame(c.rungs[i], int(c.workers))
		c.observe(q, lat, busy, m.work(c.rungs[i]))
		used = append(used, i)
	}
	return used
}

func rungOf(c *controller, q render.Quality) int {
	for i, r := range c.rungs {
		if r.q == q {
			return i
		}
	}
	return -1
}

// trueLoad is rung i's latency on m as a fraction of the period.
func trueLoad(c *controller, m machine, i int) float64 {
	lat, _ := m.frame(c.rungs[i], int(c.workers))
	return lat.Seconds() / c.period.Seconds()
}

func newTestController(fps float64) *controller {
	return newController(ladder(render.Quality{SPP: 1, PixelStep: 1}, 640, 360, false), fps, 2)
}

func TestControllerSettlesOnTheBestRungThatFits(t *testing.T) {
	c := newTestController(60)
	m := machine{perSamp: 300 * time.Nanosecond, fixed: time.Millisecond}
	used := drive(c, 600, func(int) machine { return m })
	final := used[len(used)-1]
	assert.LessOrEqual(t, trueLoad(c, m, final), ctlTarget, "the chosen rung fits in the period")
	require.Positive(t, final, "the best rung cannot fit on this machine")
	assert.Greater(t, trueLoad(c, m, final-1), ctlUp, "the rung above would not fit with headroom")
	for n, i := range used[60:] {
		assert.Equal(t, final, i, "frame %d: settled after a second", n+60)
	}
	assert.Equal(t, 0, rungOf(c, render.Quality{SPP: 1, PixelStep: 1}))
}

func TestControllerUsesTheBaseWhenItFits(t *testing.T) {
	c := newTestController(10)
	used := drive(c, 200, func(int) machine { return machine{perSamp: 100 * time.Nanosecond} })
	assert.Equal(t, 0, used[len(used)-1])
}

func TestControllerDropsAtOnceWhenTheMachineSlowsDown(t *testing.T) {
	c := newTestController(60)
	fast := machine{perSamp: 300 * time.Nanosecond, fixed: time.Millisecond}
	slow := machine{perSamp: 900 * time.Nanosecond, fixed: 2 * time.Millisecond}
	used := drive(c, 900, func(n int) machine {
		if n >= 300 {
			return slow
		}
		return fast
	})
	before := used[299]
	// Within three frames of the slowdown the controller runs a rung that
	// fits the slow machine, and stays on fitting rungs after that.
	for n := 303; n < len(used); n++ {
		require.LessOrEqual(t, trueLoad(c, slow, used[n]), ctlDown, "frame %d", n)
	}
	assert.Greater(t, used[899], before, "a cheaper rung than before")
}

func TestControllerRidesOutASpike(t *testing.T) {
	c := newTestController(60)
	m := machine{perSamp: 300 * time.Nanosecond, fixed: time.Millisecond}
	used := drive(c, 900, func(n int) machine {
		if n == 300 {
			return machine{perSamp: 4 * m.perSamp, fixed: 10 * m.fixed} // one frame hit by a noisy neighbour
		}
		return m
	})
	settled := used[299]
	assert.Equal(t, settled, used[899], "back to the rung it held before the spike")
	low := 0
	for _, i := range used[300:] {
		if i != settled {
			low++
		}
	}
	assert.Less(t, low, 300, "the spike cost less than five seconds at a lower rung")
}

func TestControllerBacksOffFromARungItCannotHold(t *testing.T) {
	// A rung whose latency alternates around ctlDown: the controller
	// climbs to it, drops, and must wait longer before each new try.
	c := newTestController(60)
	m := machine{perSamp: 300 * time.Nanosecond, fixed: time.Millisecond}
	used := drive(c, 3000, func(n int) machine {
		if n%2 == 1 {
			return machine{perSamp: 5 * m.perSamp / 2, fixed: m.fixed}
		}
		return m
	})
	climbs := 0
	for n := 600; n < len(used); n++ {
		if used[n] < used[n-1] {
			climbs++
		}
	}
	assert.LessOrEqual(t, climbs, 6, "climbs in the last 40 s")
	// A lone drop does not grow the hold; repeated ones double it.
	assert.GreaterOrEqual(t, c.hold, holdFrames(4*time.Second, c.period), "the hold grew")
}

func TestControllerIgnoresQualitiesOffTheLadder(t *testing.T) {
	c := newTestController(60)
	c.observe(render.Quality{SPP: 3, PixelStep: 5}, time.Second, time.Second, frameWork{samples: 1, traced: 1, pixels: 1})
	assert.Zero(t, c.seen)
	assert.Equal(t, c.rungs[len(c.rungs)-1].q, c.choose(0), "no measurement yet: the cheapest rung")
}

func TestLadderWithPatterns(t *testing.T) {
	rs := ladder(render.Quality{SPP: 1, MaxDepth: 4, PixelStep: 1}, 640, 360, true)
	require.NotEmpty(t, rs)
	var pats []render.Pattern
	for i, r := range rs {
		if r.q.Pattern != render.PatternAll {
			pats = append(pats, r.q.Pattern)
			assert.Equal(t, 1, r.q.PixelStep, "a pattern is at pixel step 1")
			assert.Equal(t, 640*360*(1-r.q.Pattern.Share()), r.filled)
		}
		if i > 0 {
			assert.Less(t, r.cost(fillReject), rs[i-1].cost(fillReject), "rung %d is cheaper than rung %d", i, i-1)
		}
	}
	assert.Equal(t, []render.Pattern{render.PatternHalf, render.PatternQuarter, render.PatternChecker, render.PatternSparse}, pats, "best first")
	assert.Equal(t, render.PatternAll, rs[0].q.Pattern)
	assert.Equal(t, 16, rs[len(rs)-1].q.PixelStep)
}

func TestControllerClimbsBackWhenFramesAreCheap(t *testing.T) {
	// What was seen: the cheapest rung for 121 of 200 frames while frames
	// took 2.2-2.6 ms of a 16.7 ms period. Here the first frames are slow
	// (a cold start) and a frame a second is slow (a noisy neighbour).
	c := newController(ladder(render.Quality{SPP: 1, PixelStep: 1}, 640, 360, true), 60, 2)
	m := machine{perSamp: 150 * time.Nanosecond, fixed: 2 * time.Millisecond, reject: 0.1}
	slow := machine{perSamp: 3 * m.perSamp, fixed: 4 * m.fixed, reject: m.reject}
	used := drive(c, 200, func(n int) machine {
		if n < 5 || n%60 == 59 {
			return slow
		}
		return m
	})
	best := slices.IndexFunc(c.rungs, func(r rung) bool {
		lat, _ := m.frame(r, 2)
		return lat.Seconds() <= ctlUp*c.period.Seconds()
	})
	require.Positive(t, best, "the best rung cannot fit on this machine")
	cheapest, near := 0, 0
	for _, i := range used {
		if i == len(c.rungs)-1 {
			cheapest++
		}
		if i <= best+1 {
			near++
		}
	}
	assert.Less(t, cheapest, 10, "frames at the cheapest rung")
	assert.Greater(t, near, 140, "frames within a rung of the best that fits")
	t.Logf("best %d (%+v); cheapest %d, near %d of %d; used %v", best, c.rungs[best].q, cheapest, near, len(used), used)
}

func TestControllerIsNotKeptLowByFrequentSpikes(t *testing.T) {
	// A loaded machine: one frame in 8 takes five times as long. The
	// controller drops at each, but such a frame, far over its
	// prediction, does not count against the rung, so its hold does not
	// grow and it is not kept at the cheapest rung.
	c := newController(ladder(render.Quality{SPP: 1, PixelStep: 1}, 640, 360, true), 60, 2)
	m := machine{perSamp: 100 * time.Nanosecond, fixed: 2 * time.Millisecond, reject: 0.1}
	slow := machine{perSamp: 5 * m.perSamp, fixed: 5 * m.fixed, reject: m.reject}
	used := drive(c, 600, func(n int) machine {
		if n%8 == 7 {
			return slow
		}
		return m
	})
	cheapest := 0
	for _, i := range used[60:] {
		if i == len(c.rungs)-1 {
			cheapest++
		}
	}
	assert.Less(t, cheapest, 54, "frames at the cheapest rung after the first second")
	assert.LessOrEqual(t, c.hold, 2*holdFrames(ctlHold, c.period), "the hold did not grow with the spikes")
}

func TestControllerKeepsEachClassOfRungsApart(t *testing.T) {
	// Pattern frames cost half as much again a sample and wait for the
	// previous frame: once the controller has seen both kinds, its
	// predictions of each are its own, not the pattern's cost spread
	// over every rung.
	c := newController(ladder(render.Quality{SPP: 1, MaxDepth: 4, PixelStep: 1}, 640, 360, true), 60, 2)
	m := machine{perSamp: 60 * time.Nanosecond, fixed: time.Millisecond, reject: 0.2, pattern: 1.5, patternWait: 3 * time.Millisecond}
	quarter := slices.IndexFunc(c.rungs, func(r rung) bool { return r.q.Pattern == render.PatternQuarter })
	bilinear := slices.IndexFunc(c.rungs, func(r rung) bool { return r.q.PixelStep == 2 && r.q.Bilinear })
	require.Positive(t, quarter)
	require.Positive(t, bilinear)
	for n := range 300 { // the two in turns, from the cheap one as a controller starts
		i := []int{bilinear, quarter}[n/30%2]
		lat, busy := m.frame(c.rungs[i], 2)
		c.observe(c.rungs[i].q, lat, busy, m.work(c.rungs[i]))
	}
	for _, i := range []int{quarter, bilinear, 0} {
		assert.InDelta(t, trueLoad(c, m, i), c.predict(i), 0.1*trueLoad(c, m, i), "rung %+v", c.rungs[i].q)
	}
}

// sparseFits returns a 60 fps controller of the default scene's ladder,
// a machine on which the sparse pattern fits with headroom, and the
// sparse pattern's rung.
func sparseFits(t *testing.T) (*controller, machine, int) {
	t.Helper()
	c := newController(ladder(render.Quality{SPP: 1, MaxDepth: 4, PixelStep: 1}, 640, 360, true), 60, 2)
	sparse := slices.IndexFunc(c.rungs, func(r rung) bool { return r.q.Pattern == render.PatternSparse })
	require.Positive(t, sparse)
	m := machine{perSamp: 250 * time.Nanosecond, fixed: time.Millisecond}
	require.LessOrEqual(t, trueLoad(c, m, sparse), ctlUp, "the sparse pattern fits with headroom")
	return c, m, sparse
}

func TestControllerPicksTheSparsePatternWhenItFitsAfterAColdStart(t *testing.T) {
	// The machine fits the sparse pattern but not the quarter one above
	// it; the frames after the first take twice as long (cold workers),
	// the first of them at the sparse pattern, as a real run's did. Once
	// warm, the controller must come back to it, not keep the cold
	// frame's cost as the pattern's.
	c, m, sparse := sparseFits(t)
	require.Greater(t, trueLoad(c, m, sparse-1), ctlTarget, "the rung above does not fit")
	used := drive(c, 300, func(n int) machine {
		if n >= 1 && n <= 3 {
			cold := m
			cold.perSamp *= 2
			return cold
		}
		return m
	})
	assert.Equal(t, sparse, used[1], "it tried the sparse pattern on the second frame")
	for n, i := range used[60:] {
		if !assert.Equal(t, sparse, i, "frame %d: %+v", n+60, c.rungs[i].q) {
			break
		}
	}
}

func TestControllerPicksTheCheckerPatternWhenItFits(t *testing.T) {
	// The machine of a quiet 2-core run: a full frame takes about a
	// period, the G-buffer patterns cost more a sample; the checker
	// pattern, half the pixels traced, fits with headroom, and the
	// controller must settle on it rather than on the sparse pattern
	// below it, which traces half as many.
	c := newController(ladder(render.Quality{SPP: 1, MaxDepth: 4, PixelStep: 1}, 640, 360, true), 60, 2)
	checker := slices.IndexFunc(c.rungs, func(r rung) bool { return r.q.Pattern == render.PatternChecker })
	require.Positive(t, checker)
	m := machine{perSamp: 130 * time.Nanosecond, fixed: time.Millisecond, reject: 0.1, pattern: 1.5, patternWait: 2 * time.Millisecond}
	require.LessOrEqual(t, trueLoad(c, m, checker), ctlUp, "the checker pattern fits with headroom")
	for i := range checker {
		require.Greater(t, trueLoad(c, m, i), ctlUp, "rung %d above it does not: %+v", i, c.rungs[i].q)
	}
	used := drive(c, 600, func(int) machine { return m })
	at := 0
	for _, i := range used[60:] {
		if i == checker {
			at++
		}
	}
	assert.Greater(t, at, 530, "frames at the checker pattern of the last 540")
}

func TestControllerTriesTheSparsePatternAgainAfterASpike(t *testing.T) {
	// The first frame of the sparse pattern after warm-up is caught in
	// a stall of the machine; afterwards the pattern fits. The
	// controller must not keep that frame's latency as the pattern's.
	c, m, sparse := sparseFits(t)
	stalled := false
	var used []int
	for n := range 900 {
		q := c.choose(n)
		i := rungOf(c, q)
		lat, busy := m.frame(c.rungs[i], 2)
		if i == sparse && n >= ctlWarm && !stalled {
			lat, stalled = lat+140*time.Millisecond, true
		}
		c.observe(q, lat, busy, m.work(c.rungs[i]))
		used = append(used, i)
	}
	require.True(t, stalled, "the controller tried the sparse pattern after warm-up")
	for n, i := range used[600:] {
		if !assert.Equal(t, sparse, i, "frame %d: %+v", n+600, c.rungs[i].q) {
			break
		}
	}
}
