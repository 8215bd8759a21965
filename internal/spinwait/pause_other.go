//go:build !amd64

package spinwait

// pause is a no-op where no spin-loop hint is wired up.
func pause() {}
