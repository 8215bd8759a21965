package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// interrupted is the cause of a run stopped by a signal (Ctrl-C, a
// SIGTERM): it is reported with the frames done, not as a failure.
type interrupted struct{ sig syscall.Signal }

func (e *interrupted) Error() string { return fmt.Sprintf("interrupted (%s)", signalName(e.sig)) }

// status is the exit status of a process stopped by the signal, as shells
// report it: 128 + its number (130 for SIGINT, 143 for SIGTERM).
func (e *interrupted) status() int { return 128 + int(e.sig) }

func signalName(sig syscall.Signal) string {
	switch sig {
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return sig.String()
}

func isInterrupt(err error) bool {
	_, ok := errors.AsType[*interrupted](err)
	return ok
}

// onInterrupt returns a context that the first SIGINT or SIGTERM cancels
// with an *interrupted cause, so that the run winds down and reports what
// it did. The signals then get their default action back, so a second one
// kills the process at once (its workers die with it: see package
// runtime). stop releases the signals. The workers run in process groups
// of their own, so a terminal's Ctrl-C reaches the master alone.
func onInterrupt(parent context.Context) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(parent)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-sigs:
			signal.Reset(syscall.SIGINT, syscall.SIGTERM)
			cancel(&interrupted{sig.(syscall.Signal)})
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cancel(nil)
	}
}
