// Command vigil is vulnerability management that lives inside GitLab: the CI
// scan job, the vulnerability database tools, the webhook bot and the patcher.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRoot().ExecuteContext(ctx)
	stop()
	os.Exit(exitCode(err))
}

// exitError carries a chosen exit status; the gate uses 1 for "findings at or
// above the threshold", everything else that fails is 2.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintln(os.Stderr, "vigil:", ee.msg)
		}
		return ee.code
	}
	fmt.Fprintln(os.Stderr, "vigil: error:", err)
	return 2
}
