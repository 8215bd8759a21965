package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/cmd/trace/internal/render"
)

func TestLadderIsBaseThenCheaper(t *testing.T) {
	base := render.Quality{SPP: 4, MaxDepth: 3, PixelStep: 1, Integrator: render.Path}
	rs := ladder(base, 640, 360)
	require.NotEmpty(t, rs)
	assert.Equal(t, base, rs[0].q, "the best rung is the base quality")
	assert.Equal(t, float64(640*360*4), rs[0].samples)
	for i, r := range rs {
		assert.Equal(t, base.Integrator, r.q.Integrator)
		assert.Equal(t, base.MaxDepth, r.q.MaxDepth)
		assert.Contains(t, []int{1, 2, 4}, r.q.SPP)
		assert.Equal(t, float64(ceilDiv(640, r.q.PixelStep)*ceilDiv(360, r.q.PixelStep)*r.q.SPP), r.samples)
		if i > 0 {
			assert.Less(t, r.samples, rs[i-1].samples, "rung %d is cheaper than rung %d", i, i-1)
		}
	}
	last := rs[len(rs)-1].q
	assert.Equal(t, 1, last.SPP)
	assert.Equal(t, ladderSteps[len(ladderSteps)-1], last.PixelStep)
}

func TestLadderKeepsACoarseBaseStep(t *testing.T) {
	for _, base := range []int{3, 5} {
		rs := ladder(render.Quality{SPP: 1, PixelStep: base}, 64, 36)
		require.NotEmpty(t, rs)
		for _, r := range rs {
			assert.GreaterOrEqual(t, r.q.PixelStep, base)
		}
		assert.Equal(t, base, rs[0].q.PixelStep, "the base quality is the best rung")
	}
}

// machine is a simulated renderer: a frame's busy time is perSamp per
// sample, spread over the workers, plus fixed latency.
type machine struct {
	perSamp time.Duration
	fixed   time.Duration
}

func (m machine) frame(r rung, workers int) (latency, busy time.Duration) {
	busy = time.Duration(r.samples) * m.perSamp
	return busy/time.Duration(workers) + m.fixed, busy
}

// drive runs the controller for frames frames on the machine that load
// returns for each frame, and returns the rung index chosen for each.
func drive(c *controller, frames int, load func(n int) machine) []int {
	var used []int
	for n := range frames {
		q := c.choose(n)
		i := rungOf(c, q)
		lat, busy := load(n).frame(c.rungs[i], int(c.workers))
		c.observe(q, lat, busy)
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
	return newController(ladder(render.Quality{SPP: 1, PixelStep: 1}, 640, 360), fps, 2)
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
	// A rung whose latency alternates around the period: the controller
	// climbs to it, drops, and must wait longer before each new try.
	c := newTestController(60)
	m := machine{perSamp: 300 * time.Nanosecond, fixed: time.Millisecond}
	used := drive(c, 3000, func(n int) machine {
		if n%2 == 1 {
			return machine{perSamp: 2 * m.perSamp, fixed: m.fixed}
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
	assert.Equal(t, holdFrames(ctlMaxHold, c.period), c.hold, "the hold grew to its cap")
}

func TestControllerIgnoresQualitiesOffTheLadder(t *testing.T) {
	c := newTestController(60)
	c.observe(render.Quality{SPP: 3, PixelStep: 5}, time.Second, time.Second)
	assert.Zero(t, c.seen)
	assert.Equal(t, c.rungs[len(c.rungs)-1].q, c.choose(0), "no measurement yet: the cheapest rung")
}
