package mr

import (
	"context"
	"errors"
	"fmt"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"gitlab.com/vigil-vm/vigil/bot/gitlabapi"
)

// Retry says how often a branch, commit or merge request write is tried
// again after a 5xx, a 429 or a lost answer, before the reconciliation
// fails and the bot's queue retries the whole delivery.
type Retry struct {
	Attempts int           // tries in all; 4 when zero
	Backoff  time.Duration // first wait, doubled each time; 500ms when zero
}

func (r Retry) withDefaults() Retry {
	if r.Attempts <= 0 {
		r.Attempts = 4
	}
	if r.Backoff <= 0 {
		r.Backoff = 500 * time.Millisecond
	}
	return r
}

// permanent marks an error inside a write that no retry can help.
type permanent struct{ error }

func (p permanent) Unwrap() error { return p.error }

// permanentIf marks err, when there is one, as beyond retrying.
func permanentIf(err error) error {
	if err == nil {
		return nil
	}
	return permanent{err}
}

// write runs one GitLab write, again on transient failures. Every write
// here is safe to repeat: a commit restarts its branch from the default
// branch, and a merge request created twice is found by its branch. The
// last failure keeps GitLab's Retry-After, as the issue tracker's errors
// do, so the queue waits as long as asked.
func (e *Engine) write(ctx context.Context, what string, fn func() (*gitlab.Response, error)) error {
	rt := e.opts.Retry.withDefaults()
	wait := rt.Backoff
	var resp *gitlab.Response
	var err error
	for attempt := 1; ; attempt++ {
		resp, err = fn()
		if err == nil || !transient(ctx, resp, err) || attempt >= rt.Attempts {
			break
		}
		d := wait
		if resp != nil && resp.Response != nil {
			if ra := gitlabapi.RetryAfter(resp.Header.Get("Retry-After"), time.Now()); ra > d {
				d = ra
			}
		}
		e.log.WarnContext(ctx, "retry GitLab write", "what", what, "attempt", attempt, "wait", d, "err", err)
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w", what, ctx.Err())
		case <-time.After(d):
		}
		wait *= 2
	}
	if err == nil {
		return nil
	}
	wrapped := fmt.Errorf("%s: %w", what, err)
	if resp != nil && resp.Response != nil {
		if ra := gitlabapi.RetryAfter(resp.Header.Get("Retry-After"), time.Now()); ra > 0 {
			return &gitlabapi.RetryError{After: ra, Err: wrapped}
		}
	}
	return wrapped
}

// transient reports whether a failed write may succeed when repeated: the
// server failed or asked to slow down, or the answer never came.
func transient(ctx context.Context, resp *gitlab.Response, err error) bool {
	var p permanent
	if ctx.Err() != nil || errors.As(err, &p) {
		return false
	}
	return gitlabapi.Transient(resp, err)
}
