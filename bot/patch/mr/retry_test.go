package mr_test

import (
	"context"
	"fmt"
	"os/exec"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/patch/ecosystems"
	"gitlab.com/vigil-vm/vigil/bot/patch/mr"
	"gitlab.com/vigil-vm/vigil/internal/findings"
	"gitlab.com/vigil-vm/vigil/internal/findings/findingstest"
	"gitlab.com/vigil-vm/vigil/internal/gitlabdouble"
)

// GitLab failing the branch, commit and merge request calls (500s,
// connections closed before the write, answers lost after it) still ends
// with exactly one merge request per fix, once the queue has retried the
// delivery as often as it takes.
func TestReconcileConvergesUnderFaults(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	// Retried in the engine (a lost merge request answer then meets a
	// 409), and not at all (only the queue's retries of the delivery).
	for _, attempts := range []int{3, 1} {
		t.Run(fmt.Sprintf("%d tries per write", attempts), func(t *testing.T) {
			convergesUnderFaults(t, mr.Retry{Attempts: attempts, Backoff: time.Millisecond})
		})
	}
}

func convergesUnderFaults(t *testing.T, retry mr.Retry) {
	ctx := context.Background()
	w := newWorld(t)
	for _, route := range []string{"POST /projects/:id/repository/commits", "POST /projects/:id/merge_requests", "POST /projects/:id/repository/branches"} {
		w.srv.SetFault(route, gitlabdouble.Fault{ErrorRate: 0.3, DropRate: 0.2, LoseRate: 0.3})
	}
	req := w.request(
		findingstest.Finding("CVE-2022-32149", "go-module", "golang.org/x/text", "v0.3.5", scored, findingstest.Fingerprint("fp-text-1"), findingstest.Severity(findings.High), findingstest.Fixed("0.3.8")),
		findingstest.Finding("CVE-2020-28493", "python", "jinja2", "2.11.2", scored, findingstest.Fingerprint("fp-jinja"), findingstest.Severity(findings.Medium), findingstest.Fixed("2.11.3")),
		findingstest.Finding("CVE-2023-45803", "python", "urllib3", "1.26.17", scored, findingstest.Fingerprint("fp-urllib3"), findingstest.Severity(findings.High), findingstest.Fixed("1.26.18")),
	)
	opts := mr.Options{Retry: retry}
	var err error
	attempts := 0
	for attempts = 1; attempts <= 30; attempts++ {
		// Each attempt is a fresh engine, as after a crash and a queue retry.
		e := mr.New(w.client, ecosystems.All(ecosystems.Options{}), nil, opts, nil)
		if _, err = e.Reconcile(ctx, req); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("no convergence after %d attempts: %v", attempts, err)
	}
	w.srv.ClearFaults()
	byBranch := map[string]int{}
	for _, m := range w.srv.MergeRequests(w.project.ID) {
		if m.State == "opened" {
			byBranch[m.SourceBranch]++
		}
	}
	for _, b := range []string{"vigil/gomod/golang.org/x/text-v0.3.8", "vigil/pip/jinja2-2.11.3", "vigil/pip/urllib3-1.26.18"} {
		if byBranch[b] != 1 {
			t.Errorf("%d open merge requests from %s, want 1 (all: %v)", byBranch[b], b, byBranch)
		}
	}
	if len(byBranch) != 3 {
		t.Errorf("open merge requests by branch: %v, want exactly the 3 fixes", byBranch)
	}
	t.Logf("converged after %d attempts", attempts)
}

// A note whose answer is lost is not posted twice.
func TestNoteWithLostAnswerIsPostedOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	w.srv.SetFault("POST /projects/:id/issues/:issue_iid/notes", gitlabdouble.Fault{LoseRate: 1})
	f := findingstest.Finding("CVE-2022-32149", "go-module", "golang.org/x/text", "v0.3.5", scored, findingstest.Fingerprint("fp-text-1"), findingstest.Severity(findings.High), findingstest.Fixed("1.0.0")) // a new major: worth a note
	e := mr.New(w.client, ecosystems.All(ecosystems.Options{}), nil, mr.Options{Retry: mr.Retry{Attempts: 3, Backoff: time.Millisecond}}, nil)
	if _, err := e.Reconcile(ctx, w.request(f)); err != nil {
		t.Fatal(err)
	}
	if notes := w.srv.Notes(w.project.ID, 1); len(notes) != 1 {
		t.Errorf("issue #1 has %d notes, want 1", len(notes))
	}
}
