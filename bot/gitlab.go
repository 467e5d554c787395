package bot

import (
	"context"
	"math"
	"net/http"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	gitlab "gitlab.com/gitlab-org/api/client-go"

	"gitlab.com/vigil-vm/vigil/bot/gitlabapi"
	"gitlab.com/vigil-vm/vigil/bot/ingest"
)

// maxInlineWait is the longest Retry-After the GitLab client sleeps through
// itself; longer waits fail the job, which River snoozes for as long as asked.
const maxInlineWait = 5 * time.Second

// newGitLab builds the API client: metrics and the artifact size limit in
// the transport, retries with backoff that honours Retry-After.
func newGitLab(cfg *Config, base http.RoundTripper, m *metrics) (*gitlab.Client, error) {
	if base == nil {
		base = http.DefaultTransport.(*http.Transport).Clone()
	}
	hc := &http.Client{Transport: m.instrument(ingest.LimitTransport(base)), Timeout: 2 * time.Minute}
	return gitlab.NewClient(cfg.GitLabToken,
		gitlab.WithBaseURL(cfg.GitLabURL),
		gitlab.WithHTTPClient(hc),
		gitlab.WithCustomRetryMax(3),
		gitlab.WithCustomRetry(retryPolicy),
		gitlab.WithCustomBackoff(backoff),
	)
}

// retryPolicy retries rate limits and unavailability in place, unless
// GitLab asks for a wait beyond maxInlineWait, which is left to the queue. A
// 500 is retried only for reads: a write may have landed, and the reconciler
// finds out on the job's next attempt.
func retryPolicy(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if resp == nil {
		return false, nil
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode == http.StatusBadGateway,
		resp.StatusCode == http.StatusServiceUnavailable, resp.StatusCode == http.StatusGatewayTimeout:
		return gitlabapi.RetryAfter(resp.Header.Get("Retry-After"), time.Now()) <= maxInlineWait, nil
	case resp.StatusCode == http.StatusInternalServerError:
		return resp.Request != nil && resp.Request.Method == http.MethodGet, nil
	}
	return false, nil
}

func backoff(min, max time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil {
		if d := gitlabapi.RetryAfter(resp.Header.Get("Retry-After"), time.Now()); d > 0 {
			return d
		}
	}
	d := time.Duration(float64(200*time.Millisecond) * math.Pow(2, float64(attempt)))
	if d > 3*time.Second {
		d = 3 * time.Second
	}
	return d
}

var _ retryablehttp.Backoff = backoff
