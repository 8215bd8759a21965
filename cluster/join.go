package cluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/shmrun/shmrun/runtime"
)

// EnvToken is the environment variable a host reads its token from when
// runtime.Main makes it one (runtime.EnvJoin), and trace's -token
// default.
const EnvToken = "SHMRUN_TOKEN"

// Importing cluster lets runtime.Main turn any shmrun program into a host:
// run it with SHMRUN_JOIN=nats://MASTER:PORT (and SHMRUN_TOKEN).
func init() { runtime.SetJoin(joinFromEnv) }

// joinFromEnv is what runtime.Main runs with SHMRUN_JOIN set: Join until
// the master is done (or SIGINT, SIGTERM), and the exit status.
func joinFromEnv(addr string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := Join(ctx, addr, &HostOptions{Token: os.Getenv(EnvToken)})
	if err != nil {
		fmt.Fprintln(os.Stderr, "shmrun host:", err)
	}
	return ExitStatus(err)
}

// ExitStatus is the exit status of a host whose Join returned err: 0 when
// the master ended the session (or a signal asked the host to stop), 2
// for what asking again will not change (refused, no token, a bad
// address, an unauthenticated master), 1 otherwise (the master lost, or
// never reached).
func ExitStatus(err error) int {
	switch {
	case err == nil, errors.Is(err, context.Canceled):
		return 0
	case errors.Is(err, ErrRefused), errors.Is(err, ErrNoToken), errors.Is(err, ErrImpostor), errors.Is(err, ErrAddress):
		return 2
	}
	return 1
}
