package bot

import (
	"strings"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/bot/webhook"
	"gitlab.com/vigil-vm/vigil/internal/gitlabdouble"
)

// GitLab's final answer is not asked again ten times: the delivery is
// rejected at once with the reason.
func TestPermanentRefusalIsNotRetried(t *testing.T) {
	t.Parallel() // its own GitLab double, ledger file and bot
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
