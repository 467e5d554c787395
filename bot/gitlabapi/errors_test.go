package gitlabapi

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

func TestPermanent(t *testing.T) {
	gl := func(code int) error {
		return &gitlab.ErrorResponse{Response: &http.Response{StatusCode: code}, Message: fmt.Sprint(code)}
	}
	tests := []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("connection reset"), false},
		{fmt.Errorf("update issue: %w", gl(400)), true},
		{fmt.Errorf("update issue: %w", gl(422)), true},
		{fmt.Errorf("read project: %w", gl(404)), true},
		{fmt.Errorf("read issue: %w", gitlab.ErrNotFound), true},
		{fmt.Errorf("create label: %w", gl(403)), true},
		{fmt.Errorf("update issue: %w", gl(500)), false},
		{fmt.Errorf("update issue: %w", gl(429)), false},
		{errors.Join(fmt.Errorf("a: %w", gl(400)), fmt.Errorf("b: %w", gl(422))), true},
		// One group failed for good, another may work next time: retry.
		{fmt.Errorf("sweep: %w", errors.Join(fmt.Errorf("a: %w", gl(400)), errors.New("timeout"))), false},
		{errors.Join(fmt.Errorf("a: %w", gitlab.ErrNotFound), errors.New("timeout")), false},
	}
	for _, tt := range tests {
		if got := Permanent(tt.err); got != tt.want {
			t.Errorf("Permanent(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	tests := map[string]time.Duration{
		"":                              0,
		"7":                             7 * time.Second,
		"Mon, 02 Nov 2026 10:00:30 GMT": 30 * time.Second,
		"soon":                          0,
	}
	for in, want := range tests {
		if got := RetryAfter(in, now); got != want {
			t.Errorf("RetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestWrapKeepsRetryAfter(t *testing.T) {
	resp := &gitlab.Response{Response: &http.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"9"}}}}
	var re *RetryError
	if err := Wrap("create issue", resp, errors.New("429")); !errors.As(err, &re) || re.After != 9*time.Second {
		t.Errorf("Wrap = %v, want a RetryError of 9s", err)
	}
	resp.StatusCode = http.StatusBadRequest
	if err := Wrap("create issue", resp, errors.New("400")); errors.As(err, &re) {
		t.Errorf("a 400 asked for a retry: %v", err)
	}
}
