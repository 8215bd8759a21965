package main

import (
	"cmp"
	"slices"
	"sync"
	"time"

	"github.com/shmrun/shmrun/cmd/trace/internal/render"
)

// rung is one quality on the ladder the controller climbs, with the work
// it does in a frame: its cost, up to a factor the controller measures.
type rung struct {
	q      render.Quality
	traced float64 // camera samples traced for sure: the pattern's pixels (or the blocks) times spp
	filled float64 // pixels the pattern leaves to fill from the previous frame
}

// fillCost returns what filling a pixel costs at quality q (finding it
// in the previous frame along the motion of the traced pixels beside
// it), in camera samples. Measured on the loaded 2-core machine (render's
// BenchmarkFillFrame, one core, frames interleaved): the quarter pattern
// took 0.71-0.88 of a full frame with 0.38 of its pixels traced, half
// 0.94 with 0.59, and a traced pixel of a pattern costs about 1.2 of a
// full frame's (rays beside each other share less of their paths): 0.5
// samples. A
// path-traced sample of the terrain costs far more (quarter 0.48 with
// 0.57 traced, at 4 spp: 0.2 samples). The controller learns how far off
// this is for each kind of rung (see rungClass).
//
// Pixels that are not traced cost something at a coarse step too: mixed
// from the blocks around them (bilinear), 0.06 (the same measurement,
// three runs: step 2 bilinear 0.31-0.34 of a full frame, step 2 blocks
// 0.24-0.29, step 3 bilinear 0.17-0.18, step 3 blocks 0.11-0.15, step 16
// bilinear 0.06, the sparse pattern 0.33-0.43); copied from their block,
// nothing to speak of. The sparse pattern's filled pixel, 0.2: its
// frame took 0.40 of a full frame (the fastest of four runs each: full
// 34.4 ms, sparse 13.8, step 2 bilinear 10.4, which the formula gives
// 0.07), its traced pixels and their ring 0.25 of them, and its motions
// and fill the rest. (0.1, measured before the bilinear mixing got
// faster, made every step from 4 to 16 cost about as much as step 3
// blocks, and a loaded machine ran step 16 where the blocks ran step 3.)
// The checker pattern's, 0.33: its frame took 0.66 of a full frame (three
// runs each, quiet: full 29.7-30.1 ms, checker 19.8-20.0), half of its
// pixels traced, and the motions of twice as many, and a wider ring.
func fillCost(q render.Quality) float64 {
	switch {
	case q.PixelStep > 1 && !q.Bilinear:
		return 0
	case q.PixelStep > 1:
		return 0.06
	case q.Pattern == render.PatternChecker: // as sparse, with more of its traced pixels' motions and ring
		return 0.33
	case q.Pattern.Clamped(): // no camera ray: a history fetch and a clamp
		return 0.2
	case q.Integrator == render.Path:
		return 0.2
	}
	return 0.5
}

// rungClass sorts rungs by how their work is done: a sample of a pattern
// costs differently from a block's (its rays are beside each other's,
// its other pixels filled from the previous frame), and a frame with a
// pattern waits for the previous one. The controller keeps, for each
// pattern class, how its cost per sample compares with the blocks' and
// its own fixed latency, so that a pattern's measurements do not
// inflate its predictions of blocks, nor the other way round.
type rungClass uint8

const (
	classBlocks  rungClass = iota // every pixel traced, or blocks (copied or mixed): the reference
	classPattern                  // half or quarter, filled from the previous frame
	classSparse                   // the sparse and checker patterns (Clamped)
	numClasses
)

func classOf(q render.Quality) rungClass {
	switch {
	case q.PixelStep > 1 || q.Pattern == render.PatternAll:
		return classBlocks
	case q.Pattern.Clamped():
		return classSparse
	}
	return classPattern
}

// fillReject is the share of filled pixels that the ladder assumes are
// traced instead (disoccluded, mirrors and glass), to order its rungs; the
// controller measures it.
const fillReject = 0.15

// cost returns the rung's work in camera samples when a share reject of
// the pixels it fills are traced instead.
func (r rung) cost(reject float64) float64 {
	if r.q.Pattern.Clamped() || r.q.PixelStep > 1 {
		reject = 0 // it traces nothing it fills
	}
	return r.traced + r.filled*(fillCost(r.q)+reject*float64(r.q.SPP))
}

// ladderSteps are the pixel steps the ladder offers: the shading resolution
// drops from every pixel to one in 16x16, each step a factor of about two.
var ladderSteps = []int{1, 2, 3, 4, 6, 8, 11, 16}

// ladder returns the qualities a paced run may use for w x h frames, best
// (most work) first: base itself, then every combination of fewer samples
// per pixel (halving), a pattern that traces half or a quarter of the
// pixels and fills the others from the previous frame (with patterns, at
// pixel step 1), and a coarser pixel step (with patterns, its pixels
// mixed bilinearly from the blocks around them), cheaper each time. The
// integrator and depth are never changed: they change the look of the
// image, where spp, the pattern and the step change only its noise and
// sharpness.
func ladder(base render.Quality, w, h int, patterns bool) []rung {
	var rs []rung
	steps := []int{max(base.PixelStep, 1)}
	for _, step := range ladderSteps {
		if step > steps[0] {
			steps = append(steps, step)
		}
	}
	pats := []render.Pattern{base.Pattern}
	if patterns {
		pats = []render.Pattern{render.PatternAll, render.PatternHalf, render.PatternQuarter, render.PatternSparse, render.PatternChecker}
	}
	for _, step := range steps {
		for spp := base.SPP; spp >= 1; spp /= 2 {
			for _, p := range pats {
				if p != render.PatternAll && step > 1 {
					continue
				}
				q := base
				q.SPP, q.PixelStep, q.Pattern = spp, step, p
				q.Bilinear = patterns && step > 1 // filling, a coarse step mixes its blocks
				px := float64(ceilDiv(w, step) * ceilDiv(h, step))
				r := rung{q: q, traced: px * p.Share() * float64(spp), filled: px * (1 - p.Share())}
				if step > 1 { // the pixels of the blocks but the traced ones
					r.filled = float64(w*h) - px
				}
				rs = append(rs, r)
			}
		}
	}
	// Most work first; among equal costs the finer step, which looks
	// better in motion than more samples of coarse blocks, and the denser
	// pattern.
	slices.SortStableFunc(rs, func(a, b rung) int {
		ca, cb := a.cost(fillReject), b.cost(fillReject)
		switch {
		case ca > cb:
			return -1
		case ca < cb:
			return 1
		}
		return cmp.Or(a.q.PixelStep-b.q.PixelStep, int(a.q.Pattern)-int(b.q.Pattern))
	})
	return slices.CompactFunc(rs, func(a, b rung) bool { return a.cost(fillReject) == b.cost(fillReject) })
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// Controller thresholds, as fractions of the frame period. A frame's
// latency (release to last tile) is predicted for every rung; the controller
// keeps the best rung whose prediction is under ctlTarget, drops at once
// when the current one's is over ctlDown, and climbs to the best rung
// predicted under ctlUp. A frame is due lag (2) periods after its release,
// so a latency of a period still leaves one for a slow frame: at 60 fps
// on the 2-core machine (load average 2 to 3), targets of 1.0, 1.25 and
// 0.85 ran the sparse pattern for 414 of 600 frames with no deadline
// missed (frame time p99 22.5 ms), where 0.75, 0.9 and 0.65 (whose
// latencies stayed under a period) held bilinear steps, 1.5 dB worse.
const (
	ctlDown   = 1.25
	ctlTarget = 1.0
	ctlUp     = 0.85
	ctlIdle   = 0.2 // the workers' share of a period a rung must leave idle
	// ctlRise and ctlFall weigh a new measurement when it is higher and
	// lower than the estimate: rising costs are believed at once, falling
	// ones more slowly, so noise makes the controller cautious, not jumpy.
	// (A fall of 0.05 a frame kept an estimate that one slow frame had
	// raised high for seconds: frames of 2.5 ms of a 16.7 ms period ran at
	// the cheapest rung for 121 of 200 frames.)
	ctlRise = 0.3
	ctlFall = 0.15
	// ctlClass weighs a new measurement of a pattern's cost per sample
	// against the blocks' (see rungClass), up or down alike: a ratio
	// between kinds of work changes less with the load than either.
	ctlClass = 0.2
	// ctlForget is how far a frame of another class moves a pattern
	// class's fixed latency back towards the blocks' (see forget): 0.02, a
	// latency off by a spike of 140 ms comes within 3 ms of the blocks'
	// in about 190 frames, three seconds at 60 fps.
	ctlForget = 0.02
	// ctlWarm frames are observed before the controller settles: until then
	// its estimates are the latest measurement, and it jumps straight to the
	// rung they allow.
	ctlWarm = 10
	// ctlHold is the shortest time at a rung before climbing; a climb
	// undone within two holds doubles it, up to ctlMaxHold, so that a rung
	// the machine cannot quite hold is not retried every quarter second.
	ctlHold    = 250 * time.Millisecond
	ctlMaxHold = 8 * time.Second
)

// controller chooses each paced frame's quality so that frames keep their
// deadlines. It models a frame's latency as work spread over the workers
// plus an overhead: perSamp, the workers' busy time per camera sample (which
// grows when other processes take the cores), divided by the number of
// workers, times the rung's samples, plus fixed, the rest of the measured
// latency (dispatch, waking workers, imbalance between them, waiting for an
// earlier frame). A rung with a pattern also traces the filled pixels it
// finds no match for: the controller measures their share, reject. It
// starts at the cheapest rung and climbs as measurements come in, straight
// to the best rung predicted to fit with headroom. Its methods are safe
// for concurrent use.
type controller struct {
	rungs   []rung
	period  time.Duration
	workers float64

	mu      sync.Mutex
	cur     int     // index in rungs
	perSamp float64 // busy seconds per sample, all workers; 0: not measured
	fixed   float64 // seconds of latency that do not scale with samples
	// For each pattern class (see rungClass): its cost per sample as a
	// multiple of perSamp, the blocks' (0: not measured, 1 assumed), and
	// its fixed latency (-1: not measured, fixed assumed).
	ratio      [numClasses]float64
	classFixed [numClasses]float64
	seen       int     // frames observed
	changed    int     // frame at which cur last changed
	climbed    bool    // the last change was a climb
	spiked     bool    // the last frame took more than twice its prediction
	hold       int     // frames to stay at a rung before climbing
	reject     float64 // share of filled pixels traced instead
}

// newController returns a controller for the rungs (best first) at fps
// frames per second with the given number of workers.
func newController(rungs []rung, fps float64, workers int) *controller {
	period := time.Duration(float64(time.Second) / fps)
	c := &controller{
		rungs: rungs, period: period, workers: float64(workers), cur: len(rungs) - 1,
		hold: holdFrames(ctlHold, period), reject: fillReject,
	}
	for i := range c.classFixed {
		c.classFixed[i] = -1
	}
	return c
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
		// A climb undone soon is a rung the machine cannot hold, unless
		// the frame that undid it took more than twice its prediction: a
		// noisy neighbour's slow frame now and then must not keep the
		// controller low for seconds (on a loaded machine it did: 407 of
		// 600 frames at the cheapest rung, with frames of 6 ms).
		if c.climbed && n-c.changed < 2*c.hold && !c.spiked {
			c.hold = min(2*c.hold, holdFrames(ctlMaxHold, c.period))
		}
		c.set(n, c.best(ctlTarget), false)
	case c.seen < ctlWarm:
		if i := c.best(ctlTarget); i < c.cur {
			c.set(n, i, true)
		}
	case c.cur > 0 && n-c.changed >= c.hold:
		// Straight to the best rung that fits: one rung a hold took
		// seconds to climb from the cheapest.
		if i := c.best(ctlUp); i < c.cur {
			c.set(n, i, true)
		}
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
	fixed := c.fixed
	if f := c.classFixed[classOf(c.rungs[i].q)]; f >= 0 {
		fixed = f
	}
	return c.busyShare(i) + fixed/c.period.Seconds()
}

// busyShare returns the share of the workers' time over a period that
// rung i is predicted to take.
func (c *controller) busyShare(i int) float64 {
	return c.perSamp * c.classRatio(classOf(c.rungs[i].q)) * c.rungs[i].cost(c.reject) / c.workers / c.period.Seconds()
}

// classRatio returns the cost of a sample of class k as a multiple of
// perSamp.
func (c *controller) classRatio(k rungClass) float64 {
	if r := c.ratio[k]; r > 0 {
		return r
	}
	return 1
}

// best returns the best rung predicted under limit, and to leave the
// workers ctlIdle of each period (a latency of up to a period keeps the
// deadlines only if frames do not pile up), or the cheapest.
func (c *controller) best(limit float64) int {
	for i := range c.rungs {
		if c.predict(i) <= limit && c.busyShare(i) <= 1-ctlIdle {
			return i
		}
	}
	return len(c.rungs) - 1
}

// frameWork is what a frame's tiles did, from their results.
type frameWork struct {
	samples uint64 // camera samples traced
	traced  uint64 // pixels (or blocks) traced
	pixels  uint64 // pixels written
}

// observe records that a frame at quality q took latency from its release
// to its last tile, and kept the workers busy for busy in all doing work.
func (c *controller) observe(q render.Quality, latency, busy time.Duration, work frameWork) {
	c.mu.Lock()
	defer c.mu.Unlock()
	i := slices.IndexFunc(c.rungs, func(r rung) bool { return r.q == q })
	if i < 0 || work.samples == 0 {
		return // not a rung of this ladder, or no work: nothing to learn from
	}
	r := c.rungs[i]
	// The pixels not traced were filled.
	units := float64(work.samples) + fillCost(q)*float64(work.pixels-min(work.traced, work.pixels))
	perSamp := busy.Seconds() / units
	fixed := max(0, latency.Seconds()-busy.Seconds()/c.workers)
	c.spiked = c.seen >= ctlWarm && latency.Seconds() > 2*c.predict(i)*c.period.Seconds()
	var reject float64
	if r.filled > 0 && q.PixelStep <= 1 {
		reject = min(max((float64(work.traced)-r.traced/float64(q.SPP))/r.filled, 0), 1)
	}
	k := classOf(q)
	// A frame filled from the previous one waits for it, and its samples
	// cost their own: it moves the blocks' estimates only once its class
	// has been measured against them, and never their fixed latency.
	own := k != classBlocks
	//
	// Until it is warm, the latest frame is the best guess of the blocks'
	// cost, whatever its class (at its class's prior ratio, 1), and no
	// class learns its ratio or latency: the first frames are cold (a
	// worker's first frame of a pattern took twice its later ones), and a
	// ratio measured against a base that the class's own frames then set
	// stays what it was (the sparse pattern, measured at 1.9 on its first
	// frame, was never chosen again in 600 frames where it fitted).
	warm := c.seen >= ctlWarm
	switch {
	case !warm:
		c.perSamp = perSamp / c.classRatio(k)
		if !own {
			c.fixed = fixed
		}
	case own && c.ratio[k] == 0:
	default:
		c.perSamp = smooth(c.perSamp, perSamp/c.classRatio(k))
		if !own {
			c.fixed = smooth(c.fixed, fixed)
		}
	}
	if own && warm {
		c.observeClass(k, perSamp, fixed)
	}
	if warm {
		c.forget(k)
	}
	if r.filled > 0 && q.PixelStep <= 1 && !q.Pattern.Clamped() {
		c.reject = smooth(c.reject, reject)
	}
	c.seen++
}

// observeClass records that a frame of pattern class k took perSamp per
// sample and fixed latency: the class's ratio to the blocks' perSamp and
// its fixed latency move towards what it measured.
func (c *controller) observeClass(k rungClass, perSamp, fixed float64) {
	if !(c.perSamp > 0) {
		return
	}
	r := perSamp / c.perSamp
	switch {
	case c.ratio[k] == 0:
		c.ratio[k] = r
	default:
		c.ratio[k] += ctlClass * (r - c.ratio[k])
	}
	if c.classFixed[k] < 0 {
		c.classFixed[k] = fixed
	} else {
		c.classFixed[k] = smooth(c.classFixed[k], fixed)
	}
}

// forget moves the fixed latency of the pattern classes other than k, the
// class of the frame just observed, towards the blocks' by ctlForget: a
// class measured once in a slow moment (a real run's sparse pattern,
// first seen in a frame of 139 ms, was never chosen again in 600 frames)
// is tried again in a few seconds, and if it costs what it did, the
// controller drops back and holds longer (see choose). Its cost ratio
// stays: a class's own frames move the blocks' cost per sample by it.
func (c *controller) forget(k rungClass) {
	for j := range numClasses {
		if j != k && j != classBlocks && c.classFixed[j] >= 0 {
			c.classFixed[j] += ctlForget * (c.fixed - c.classFixed[j])
		}
	}
}

// smooth moves an estimate towards a measurement, faster up than down.
func smooth(est, m float64) float64 {
	if m > est {
		return est + ctlRise*(m-est)
	}
	return est + ctlFall*(m-est)
}
