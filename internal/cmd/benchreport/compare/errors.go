package compare

import "errors"

// ErrNoSamples is returned when a benchmark or unit that a comparison needs
// has no measurements: the benchmark was not run, failed, or does not
// report that unit.
var ErrNoSamples = errors.New("compare: no samples")

// ErrBadInput is returned by Parse when the benchmark output cannot be
// read at all. Malformed benchmark lines are not errors: they are counted
// in Set.Skipped and left out.
var ErrBadInput = errors.New("compare: bad input")
