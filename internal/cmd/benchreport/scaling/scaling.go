// Package scaling predicts how a parallel workload measured with 1 and 2
// workers would run with many more: Amdahl's law with the serial fraction
// the two measurements imply, capped by two ceilings that no worker count
// lifts, the master's dispatch of tasks and the memory bandwidth.
//
// # Caveats
//
// A prediction is not a measurement. The serial fraction taken from 1 and 2
// workers also holds whatever else ran on the machine at the time, and the
// model knows nothing of effects that only appear at scale (the cache and
// memory hierarchy of a larger machine, a master goroutine that needs a
// core of its own, NUMA). Say so wherever its figures are shown.
package scaling

import (
	"errors"
	"fmt"
	"math"
)

// ErrBadInput is returned when a measurement the model needs is missing,
// zero or negative.
var ErrBadInput = errors.New("scaling: bad input")

// Formula is the model in one line, for reports.
const Formula = "T(N) = max( T1·(s + (1−s)/N), k·d, b/BW ),  s = 2·T2/T1 − 1,  speedup(N) = T1/T(N)"

// A Workload is what the model knows of one parallel workload: one op (a
// frame, an item) measured with 1 and 2 workers, the tasks the master
// dispatches per op and what each costs it, and the memory traffic per op
// against the bandwidth available.
type Workload struct {
	// T1 and T2 are the measured seconds per op with 1 and 2 workers.
	T1, T2 float64
	// TasksPerOp (k) is how many tasks the master dispatches for one op;
	// DispatchSec (d) is the master's cost of one task, in seconds.
	TasksPerOp, DispatchSec float64
	// BytesPerOp (b) is the memory traffic of one op; Bandwidth (BW) is the
	// bytes per second the memory sustains. A zero Bandwidth drops the
	// bandwidth ceiling.
	BytesPerOp, Bandwidth float64
}

// Bound names the term of the model that sets a prediction.
type Bound int

const (
	// Amdahl: the parallel part still shrinks with more workers.
	Amdahl Bound = iota
	// Dispatch: the master cannot hand out tasks any faster.
	Dispatch
	// Bandwidth: the memory cannot move the op's bytes any faster.
	Bandwidth
)

// String returns "Amdahl", "dispatch" or "bandwidth".
func (b Bound) String() string {
	return [...]string{"Amdahl", "dispatch", "bandwidth"}[b]
}

// Prediction is the model's figure for one worker count.
type Prediction struct {
	Workers  int
	SecPerOp float64
	// Speedup is T1 / SecPerOp.
	Speedup float64
	Bound   Bound
}

// SerialFraction is the s of Amdahl's law that makes 2 workers take t2 per
// op when 1 takes t1: t2 = t1·(s + (1−s)/2), so s = 2·t2/t1 − 1, clamped to
// [0, 1] (a superlinear or a slower second worker). It wraps ErrBadInput
// unless both are positive.
func SerialFraction(t1, t2 float64) (float64, error) {
	if !(t1 > 0 && t2 > 0) || math.IsInf(t1, 0) || math.IsInf(t2, 0) {
		return 0, fmt.Errorf("%w: times per op %v (1 worker) and %v (2 workers)", ErrBadInput, t1, t2)
	}
	return min(max(2*t2/t1-1, 0), 1), nil
}

// Predict returns the model's figure for n workers. It wraps ErrBadInput
// when n < 1, when T1 or T2 are not positive, or when a ceiling's inputs
// are negative.
func (w Workload) Predict(n int) (Prediction, error) {
	s, err := SerialFraction(w.T1, w.T2)
	if err != nil {
		return Prediction{}, err
	}
	if n < 1 || w.TasksPerOp < 0 || w.DispatchSec < 0 || w.BytesPerOp < 0 || w.Bandwidth < 0 {
		return Prediction{}, fmt.Errorf("%w: %d workers, %+v", ErrBadInput, n, w)
	}
	p := Prediction{Workers: n, SecPerOp: w.T1 * (s + (1-s)/float64(n)), Bound: Amdahl}
	if t := w.TasksPerOp * w.DispatchSec; t > p.SecPerOp {
		p.SecPerOp, p.Bound = t, Dispatch
	}
	if w.Bandwidth > 0 {
		if t := w.BytesPerOp / w.Bandwidth; t > p.SecPerOp {
			p.SecPerOp, p.Bound = t, Bandwidth
		}
	}
	p.Speedup = w.T1 / p.SecPerOp
	return p, nil
}
