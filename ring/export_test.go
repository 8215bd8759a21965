package ring

import "time"

// SetMaxSleep changes how long one futex sleep may last, so that a test can
// make a lost wake-up hang (until its context ends) instead of being
// covered up by the periodic re-check.
func SetMaxSleep(d time.Duration) { maxSleep = d }
