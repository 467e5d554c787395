package bot

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/patch/mr"
	"gitlab.com/vigil-vm/vigil/internal/findings"
	"gitlab.com/vigil-vm/vigil/internal/gitlabdouble"
)

var goApp = map[string][]byte{
	"go.mod":  []byte("module example.com/app\n\ngo 1.22\n\nrequire golang.org/x/text v0.3.5\n"),
	"main.go": []byte("package main\n\nimport \"golang.org/x/text/language\"\n\nfunc main() { _, _, _ = language.ParseAcceptLanguage(\"en\") }\n"),
}

// osFindings are n Debian package findings with fixes, as a container
// scanning report of an Ubuntu-based image has them.
func osFindings(n int) []findings.Finding {
	var out []findings.Finding
	for i := range n {
		out = append(out, findings.Finding{
			Vulnerability: findings.Vulnerability{ID: fmt.Sprintf("CVE-2024-%d", 30000+i), Severity: findings.High},
			Package:       findings.Package{Name: fmt.Sprintf("lib%03d", i), Version: "7.81.0-1ubuntu1.10", Type: "deb", Locations: []findings.Location{{Path: "/var/lib/dpkg/status"}}},
			Fix:           findings.Fix{State: findings.FixAvailable, Versions: []string{"7.81.0-1ubuntu1.11"}},
		})
	}
	return out
}

// rescanCalls runs a bot on a fresh world, scans twice and returns the
// second (unchanged) scan's calls.
func rescanCalls(t *testing.T, patching bool, fs []findings.Finding) (*world, []gitlabdouble.Call) {
	t.Helper()
	w := newWorldRepo(t, goApp)
	cfg := w.config()
	cfg.Patch = patching
	w.start(cfg)
	w.scan(report("sha256:aaaa", fs...))
	w.gl.ResetCalls()
	w.scan(report("sha256:bbbb", fs...))
	return w, w.gl.Calls()
}

// beyondIngest drops the calls that read a finished job (its pipeline's
// jobs, the job, its artifacts, the project), whatever else is running.
func beyondIngest(calls []gitlabdouble.Call) []gitlabdouble.Call {
	var out []gitlabdouble.Call
	for _, c := range calls {
		switch c.Route {
		case "GET /projects/:id/pipelines/:pipeline_id/jobs", "GET /projects/:id/jobs/:job_id", "GET /projects/:id/jobs/:job_id/artifacts/*artifact_path", "GET /projects/:id":
			continue
		}
		out = append(out, c)
	}
	return out
}

// The default (patching on) must not cost a project more than patching
// off when nothing changed, beyond one list of merge requests; and an
// OS-package finding in a repository without a Dockerfile is nobody's
// to act on, so it gets no note.
func TestPatchUnchangedRescanBudget(t *testing.T) {
	t.Parallel() // its own GitLab double, ledger file and bot
	if testing.Short() {
		t.Skip("runs go get")
	}
	fs := append(osFindings(96), xText)
	_, off := rescanCalls(t, false, fs)
	w, on := rescanCalls(t, true, fs)
	t.Logf("unchanged rescan: %d calls with patching off, %d with patching on", len(off), len(on))
	var writes []gitlabdouble.Call
	for _, c := range on {
		if c.Write {
			writes = append(writes, c)
		}
	}
	if len(writes) != 0 {
		t.Errorf("unchanged rescan with patching on wrote:\n%s", writesSummary(writes))
	}
	// Which of a job's two hooks reads its reports first varies from run
	// to run, and so do the ingest's own calls; what patching adds is
	// what is measured: at most the one merge request list.
	if extra := beyondIngest(on); len(extra) > 1 || (len(extra) == 1 && extra[0].Route != "GET /projects/:id/merge_requests") {
		t.Errorf("unchanged rescan with patching on: %d calls beyond reading the scan, want at most the merge request list:\n%s", len(extra), routeSummary(on))
	}
	if extra := beyondIngest(off); len(extra) != 0 {
		t.Errorf("unchanged rescan with patching off: %d calls beyond reading the scan:\n%s", len(extra), routeSummary(off))
	}
	notes := 0
	for _, is := range w.gl.Issues(w.project.ID) {
		notes += len(w.userNotes(is.IID))
	}
	if notes != 0 {
		t.Errorf("%d notes on the issues; OS packages without a Dockerfile are nobody's to patch", notes)
	}
	if mrs := w.gl.MergeRequests(w.project.ID); len(mrs) != 1 || !strings.Contains(mrs[0].Title, "golang.org/x/text") {
		t.Errorf("merge requests = %d, want the one x/text bump", len(mrs))
	}
}

// A disabled ecosystem, wired as in production (the bot's configuration),
// gets no note and keeps its merge request open.
func TestPatchDisabledEcosystem(t *testing.T) {
	t.Parallel() // its own GitLab double, ledger file and bot
	if testing.Short() {
		t.Skip("runs go get")
	}
	w := newWorldRepo(t, goApp)
	cfg := w.config()
	cfg.Patch = true
	w.start(cfg)
	w.scan(report("sha256:aaaa", xText))
	if mrs := w.gl.MergeRequests(w.project.ID); len(mrs) != 1 {
		t.Fatalf("merge requests = %d, want 1", len(mrs))
	}
	w.shutdown()

	cfg = w.config()
	cfg.Patch = true
	cfg.MergeRequests.Disabled = []string{"gomod"}
	w.start(cfg)
	w.gl.ResetCalls()
	w.scan(report("sha256:bbbb", xText))
	for _, c := range w.gl.Writes() {
		if strings.Contains(c.Route, "merge_requests") || strings.Contains(c.Route, "notes") {
			t.Errorf("disabled gomod: %s %s", c.Method, c.Path)
		}
	}
	mrs := w.gl.MergeRequests(w.project.ID)
	if len(mrs) != 1 || mrs[0].State != "opened" {
		t.Errorf("merge requests = %+v, want the x/text one still open", mrs)
	}
}

func routeSummary(calls []gitlabdouble.Call) string {
	n := map[string]int{}
	for _, c := range calls {
		n[c.Route]++
	}
	var out []string
	for r, k := range n {
		out = append(out, fmt.Sprintf("%4d %s", k, r))
	}
	return strings.Join(out, "\n")
}

// GitLab failing the merge request's commit fails the delivery instead of
// dropping the patch: the queue runs it again and the merge request
// appears, once.
func TestPatchFailureRetriesTheDelivery(t *testing.T) {
	t.Parallel() // its own GitLab double, ledger file and bot
	if testing.Short() {
		t.Skip("runs go get")
	}
	w := newWorldRepo(t, goApp)
	cfg := w.config()
	cfg.Patch = true
	w.start(cfg, WithPatchRetry(mr.Retry{Attempts: 1, Backoff: time.Millisecond}))
	const commits = "POST /projects/:id/repository/commits"
	w.gl.SetFault(commits, gitlabdouble.Fault{ErrorRate: 1})
	failed := make(chan struct{})
	go func() { // GitLab recovers once the bot has met the failure
		defer close(failed)
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			for _, c := range w.gl.Calls() {
				if c.Route == commits && c.Status == http.StatusInternalServerError {
					w.gl.ClearFaults()
					return
				}
			}
		}
	}()
	w.scan(report("sha256:aaaa", xText))
	<-failed
	attempts := 0
	for _, c := range w.gl.Calls() {
		if c.Route == commits {
			attempts++
		}
	}
	mrs := w.gl.MergeRequests(w.project.ID)
	if attempts < 2 || len(mrs) != 1 || !strings.Contains(mrs[0].Title, "golang.org/x/text") {
		t.Errorf("after a failed commit: %d commit attempts, %d merge requests; want a retry and exactly one", attempts, len(mrs))
	}
}

// A replace directive pins the module: its issue is told once; neither a
// rescan nor a restarted bot says it again, nor reads the issue's notes
// to find out (the ledger remembers).
func TestPatchReplaceNotedOnce(t *testing.T) {
	t.Parallel() // its own GitLab double, ledger file and bot
	w := newWorldRepo(t, map[string][]byte{
		"go.mod":  []byte("module example.com/app\n\ngo 1.22\n\nrequire golang.org/x/text v0.3.5\n\nreplace golang.org/x/text => ./third_party/text\n"),
		"main.go": goApp["main.go"],
	})
	cfg := w.config()
	cfg.Patch = true
	w.start(cfg)
	w.scan(report("sha256:aaaa", xText))
	w.scan(report("sha256:bbbb", xText))
	w.shutdown()
	w.start(cfg)
	w.gl.ResetCalls()
	w.scan(report("sha256:cccc", xText))
	for _, c := range w.gl.Calls() {
		if strings.Contains(c.Route, "/notes") {
			t.Errorf("restarted bot: %s %s", c.Method, c.Path)
		}
	}
	issue := w.issue("CVE-2022-32149 in golang.org/x/text 0.3.5")
	notes := w.userNotes(issue.IID)
	if len(notes) != 1 || !strings.Contains(notes[0], "replace directive") {
		t.Errorf("issue notes = %q, want exactly one about the replace directive", notes)
	}
}
