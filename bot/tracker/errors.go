package tracker

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// RetryError is a GitLab error the caller should retry no sooner than After.
type RetryError struct {
	After time.Duration
	Err   error
}

func (e *RetryError) Error() string             { return e.Err.Error() }
func (e *RetryError) Unwrap() error             { return e.Err }
func (e *RetryError) RetryAfter() time.Duration { return e.After }

// apiError wraps a GitLab API error with what was being done, keeping the
// server's Retry-After so the queue can wait as long as asked.
func apiError(what string, resp *gitlab.Response, err error) error {
	wrapped := fmt.Errorf("%s: %w", what, err)
	if resp == nil || resp.Response == nil {
		return wrapped
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
		if d := RetryAfterHeader(resp.Header.Get("Retry-After"), time.Now()); d > 0 {
			return &RetryError{After: d, Err: wrapped}
		}
	}
	return wrapped
}

// RetryAfterHeader reads a Retry-After value: seconds or an HTTP date.
func RetryAfterHeader(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
