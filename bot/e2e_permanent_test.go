package bot

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/bot/webhook"
	"gitlab.com/vigil-vm/vigil/internal/gitlabdouble"
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
	}
	for _, tt := range tests {
		if got := permanent(tt.err); got != tt.want {
			t.Errorf("permanent(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

// GitLab's final answer is not asked again ten times: the delivery is
// rejected at once with the reason.
func TestPermanentRefusalIsNotRetried(t *testing.T) {
	w := newWorld(t)
	w.start(nil)
	w.scan(report("sha256:aaaa", xText))
	w.gl.Grant(w.token, "group/app", gitlabdouble.NoAccess) // the bot loses the project: 404 from now on
	w.gl.ResetCalls()
	start := time.Now()
	w.gl.CloseIssueAs("alice", w.project.ID, w.issue(textTitle).IID) // the bot must read it back, and cannot
	w.settle()
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("settling took %v: the refusal was retried", d)
	}
	var rejected int
	for _, d := range w.gl.Deliveries() {
		rec, err := w.bot.ledger.Delivery(t.Context(), webhook.DeliveryKey(d.Header, d.Event, d.Body))
		if err != nil || rec.Status != ledger.DeliveryFailed {
			continue
		}
		rejected++
		if !strings.Contains(rec.Error, "404") {
			t.Errorf("%s rejected with %q, want GitLab's 404", d.Event, rec.Error)
		}
	}
	if rejected == 0 {
		t.Error("no delivery was rejected")
	}
	for route, n := range w.gl.CallCounts() {
		if n > 4 {
			t.Errorf("%s called %d times", route, n)
		}
	}
}
