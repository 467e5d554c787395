package gitlabapi

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

// Wrap wraps a GitLab API error with what was being done, keeping the
// server's Retry-After on a 429 or 5xx so the queue can wait as long as
// asked.
func Wrap(what string, resp *gitlab.Response, err error) error {
	wrapped := fmt.Errorf("%s: %w", what, err)
	if resp == nil || resp.Response == nil {
		return wrapped
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
		if d := RetryAfter(resp.Header.Get("Retry-After"), time.Now()); d > 0 {
			return &RetryError{After: d, Err: wrapped}
		}
	}
	return wrapped
}

// RetryAfter reads a Retry-After value: seconds or an HTTP date.
func RetryAfter(v string, now time.Time) time.Duration {
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

// Transient reports whether a failed call may succeed when repeated: the
// server failed or asked to slow down, or the answer never came.
func Transient(resp *gitlab.Response, err error) bool {
	if err == nil {
		return false
	}
	if resp == nil || resp.Response == nil {
		return true
	}
	return resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500
}

// Permanent reports whether err is GitLab's final answer to a request:
// 400, 403, 404 or 422 come back the same however often they are asked,
// so retrying them only repeats the writes that came before. Several
// errors (one per issue group) are permanent only when all of them are.
func Permanent(err error) bool {
	if err == gitlab.ErrNotFound { // client-go's answer to every 404; wrappers are unwrapped below
		return true
	}
	switch e := err.(type) {
	case *gitlab.ErrorResponse:
		return e.Response != nil && permanentStatus(e.Response.StatusCode)
	case interface{ Unwrap() []error }:
		errs := e.Unwrap()
		for _, x := range errs {
			if !Permanent(x) {
				return false
			}
		}
		return len(errs) > 0
	case interface{ Unwrap() error }:
		return Permanent(e.Unwrap())
	}
	return false
}

func permanentStatus(code int) bool {
	switch code {
	case http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusUnprocessableEntity:
		return true
	}
	return false
}
