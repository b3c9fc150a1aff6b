// Package interrupt turns SIGINT and SIGTERM into context cancellation, once: the first signal cancels, so
// get-token stops the provider and cleans up; a second one ends the process at once, so a user is never
// stuck behind a cleanup that hangs (a provider or file that does not answer).
package interrupt

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// ErrInterrupted is the cancellation cause after the first signal.
var ErrInterrupted = errors.New("interrupted")

// NotifyContext returns a context that is cancelled by the first SIGINT or SIGTERM. After that, the next
// SIGINT or SIGTERM exits the process immediately with status 128+signal (130 for Ctrl-C), without running
// deferred cleanups. stop releases the signals; call it when the command returns.
func NotifyContext(parent context.Context) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-ch:
			cancel(ErrInterrupted)
		case <-done:
			return
		}
		select {
		case sig := <-ch:
			os.Exit(exitCode(sig))
		case <-done:
		}
	}()
	return ctx, sync.OnceFunc(func() {
		signal.Stop(ch)
		close(done)
		cancel(context.Canceled)
	})
}

// exitCode is the shell's convention for death by signal.
func exitCode(sig os.Signal) int {
	if s, ok := sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return 1
}
