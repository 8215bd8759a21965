package main

import (
	"slices"
	"sync"
	"time"

	"github.com/shmrun/shmrun/cmd/trace/internal/render"
)

// rung is one quality on the ladder the controller climbs, with the camera
// samples it traces in a frame: its cost, up to a factor the controller
// measures.
type rung struct {
	q       render.Quality
	samples float64
}

// ladderSteps are the pixel steps the ladder offers: the shading resolution
// drops from every pixel to one in 16x16, each step a factor of about two.
var ladderSteps = []int{1, 2, 3, 4, 6, 8, 11, 16}

// ladder returns the qualities a paced run may use for w x h frames, best
// (most samples) first: base itself, then every combination of fewer
// samples per pixel (halving) and a coarser pixel step, cheaper each time.
// The integrator and depth are never changed: they change the look of the
// image, where spp and the step change only its noise and sharpness.
func ladder(base render.Quality, w, h int) []rung {
	var rs []rung
	steps := []int{max(base.PixelStep, 1)}
	for _, step := range ladderSteps {
		if step > steps[0] {
			steps = append(steps, step)
		}
	}
	for _, step := range steps {
		for spp := base.SPP; spp >= 1; spp /= 2 {
			q := base
			q.SPP, q.PixelStep = spp, step
			rs = append(rs, rung{q: q, samples: float64(ceilDiv(w, step) * ceilDiv(h, step) * spp)})
		}
	}
	// Most samples first; among equal costs the finer step, which looks
	// better in motion than more samples of coarse blocks.
	slices.SortStableFunc(rs, func(a, b rung) int {
		switch {
		case a.samples > b.samples:
			return -1
		case a.samples < b.samples:
			return 1
		}
		return a.q.PixelStep - b.q.PixelStep
	})
	return slices.CompactFunc(rs, func(a, b rung) bool { return a.samples == b.samples })
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// Controller thresholds, as fractions of the frame period. A frame's
// latency (release to last tile) is predicted for every rung; the controller
// keeps the best rung whose prediction is under ctlTarget, drops at once
// when the current one's is over ctlDown, and climbs one rung at a time when
// the next one up is predicted under ctlUp.
const (
	ctlDown   = 0.9
	ctlTarget = 0.75
	ctlUp     = 0.65
	// ctlRise and ctlFall weigh a new measurement when it is higher and
	// lower than the estimate: rising costs are believed at once, falling
	// ones slowly, so noise makes the controller cautious, not jumpy.
	ctlRise = 0.3
	ctlFall = 0.05
	// ctlWarm frames are observed before the controller settles: until then
	// its estimates are the latest measurement, and it jumps straight to the
	// rung they allow.
	ctlWarm = 10
	// ctlHold is the shortest time at a rung before climbing; a climb
	// undone within two holds doubles it, up to ctlMaxHold, so that a rung
	// the machine cannot quite hold is not retried every half second.
	ctlHold    = 500 * time.Millisecond
	ctlMaxHold = 16 * ctlHold
)

// controller chooses each paced frame's quality so that frames keep their
// deadlines. It models a frame's latency as work spread over the workers
// plus an overhead: perSamp, the workers' busy time per camera sample (which
// grows when other processes take the cores), divided by the number of
// workers, times the rung's samples, plus fixed, the rest of the measured
// latency (dispatch, waking workers, imbalance between them, waiting for an
// earlier frame). It starts at the cheapest rung and climbs as measurements
// come in. Its methods are safe for concurrent use.
type controller struct {
	rungs   []rung
	period  time.Duration
	workers float64

	mu      sync.Mutex
	cur     int     // index in rungs
	perSamp float64 // busy seconds per sample, all workers; 0: not measured
	fixed   float64 // seconds of latency that do not scale with samples
	seen    int     // frames observed
	changed int     // frame at which cur last changed
	climbed bool    // the last change was a climb
	hold    int     // frames to stay at a rung before climbing
}

// newController returns a controller for the rungs (best first) at fps
// frames per second with the given number of workers.
func newController(rungs []rung, fps float64, workers int) *controller {
	period := time.Duration(float64(time.Second) / fps)
	return &controller{
		rungs: rungs, period: period, workers: float64(workers), cur: len(rungs) - 1,
		hold: holdFrames(ctlHold, period),
	}
}

func holdFrames(d, period time.Duration) int {
	return max(8, int(d/period))
}

// choose returns the quality for frame n.
func (c *controller) choose(n int) render.Quality {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen == 0 {
		return c.rungs[c.cur].q
	}
	switch {
	case c.predict(c.cur) > ctlDown:
		if c.climbed && n-c.changed < 2*c.hold {
			c.hold = min(2*c.hold, holdFrames(ctlMaxHold, c.period))
		}
		c.set(n, c.best(ctlTarget), false)
	case c.seen < ctlWarm:
		if i := c.best(ctlTarget); i < c.cur {
			c.set(n, i, true)
		}
	case c.cur > 0 && n-c.changed >= c.hold && c.predict(c.cur-1) <= ctlUp:
		c.set(n, c.cur-1, true)
	}
	return c.rungs[c.cur].q
}

func (c *controller) set(n, i int, climb bool) {
	if i != c.cur {
		c.cur, c.changed, c.climbed = i, n, climb
	}
}

// predict returns rung i's predicted latency as a fraction of the period.
func (c *controller) predict(i int) float64 {
	return (c.perSamp*c.rungs[i].samples/c.workers + c.fixed) / c.period.Seconds()
}

// best returns the best rung predicted under limit, or the cheapest.
func (c *controller) best(limit float64) int {
	for i := range c.rungs {
		if c.predict(i) <= limit {
			return i
		}
	}
	return len(c.rungs) - 1
}

// observe records that a frame at quality q took latency from its release
// to its last tile, and kept the workers busy for busy in all.
func (c *controller) observe(q render.Quality, latency, busy time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	i := slices.IndexFunc(c.rungs, func(r rung) bool { return r.q == q })
	if i < 0 {
		return // not a rung of this ladder: nothing to learn from
	}
	perSamp := busy.Seconds() / c.rungs[i].samples
	fixed := max(0, latency.Seconds()-busy.Seconds()/c.workers)
	if c.seen < ctlWarm { // the latest is the best guess yet
		c.perSamp, c.fixed = perSamp, fixed
	} else {
		c.perSamp = smooth(c.perSamp, perSamp)
		c.fixed = smooth(c.fixed, fixed)
	}
	c.seen++
}

// smooth moves an estimate towards a measurement, faster up than down.
func smooth(est, m float64) float64 {
	if m > est {
		return est + ctlRise*(m-est)
	}
	return est + ctlFall*(m-est)
}
