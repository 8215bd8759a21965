package runtime

// ControlName is the arena name of worker w's control block, whose first
// word is the id of the task the worker runs: a test kernel overwrites it
// to pose as a worker that lost its place.
var ControlName = controlName

// AllowedCPUs lists the CPUs this process may run on, in order: where
// PinWorkers binds the workers, in turn.
var AllowedCPUs = allowedCPUs
