//go:build !linux

package fence

import "errors"

// Register reports that the fence is unavailable: it exists on Linux only.
func Register() error { return errors.New("fence: membarrier needs Linux") }

// Heavy panics: no process can have registered.
func Heavy() { panic(Register()) }
