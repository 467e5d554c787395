package mr_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"gitlab.com/vigil-vm/vigil/bot/patch/mr"
	"gitlab.com/vigil-vm/vigil/internal/findings"
	"gitlab.com/vigil-vm/vigil/internal/findings/findingstest"
	"gitlab.com/vigil-vm/vigil/internal/gitlabdouble"
)

// routes lists the calls recorded since the last reset, as "METHOD route".
func routes(srv *gitlabdouble.Server) []string {
	var out []string
	for _, c := range srv.Calls() {
		out = append(out, c.Route)
	}
	return out
}

// userNotes counts the notes on every issue of the project.
func userNotes(w *world) int {
	n := 0
	for _, is := range w.srv.Issues(w.project.ID) {
		n += len(w.srv.Notes(w.project.ID, is.IID))
	}
	return n
}

// A container-scanning report full of OS-package findings, in a
// repository with no Dockerfile: nobody here can do anything, so nothing
// is said; the unchanged rescan costs one merge request list.
func TestReconcileOSPackagesWithoutDockerfileIsSilent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	var fs []findings.Finding
	issues := map[string][]int64{}
	for i := range 100 {
		fp := fmt.Sprintf("fp-deb-%d", i)
		fs = append(fs, findingstest.Finding(fmt.Sprintf("CVE-2024-%d", 10000+i), "deb", fmt.Sprintf("lib%03d", i), "7.81.0-1ubuntu1.10", scored, findingstest.Fingerprint(fp), findingstest.Severity(findings.High), findingstest.Fixed("7.81.0-1ubuntu1.11")))
		issues[fp] = []int64{int64(1 + i%4)}
	}
	req := mr.Request{Project: mr.Project{ID: w.project.ID}, Findings: fs, Issues: issues}
	e := w.engine(mr.Options{}, nil)
	res, err := e.Reconcile(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if got := actions(res); got != "dockerfile:absent" {
		t.Errorf("outcomes = %s, want one silent base-image outcome", got)
	}
	if n := userNotes(w); n != 0 {
		t.Errorf("%d notes on the issues, want 0", n)
	}
	if n := len(w.srv.MergeRequests(w.project.ID)); n != 0 {
		t.Errorf("%d merge requests, want 0", n)
	}

	w.srv.ResetCalls()
	if _, err := e.Reconcile(ctx, req); err != nil {
		t.Fatal(err)
	}
	if got := routes(w.srv); strings.Join(got, ",") != "GET /projects/:id/merge_requests" {
		t.Errorf("unchanged rescan called %v, want one merge request list", got)
	}
}

// A replace directive pins the module: the owner must act, so the issue
// is told once, and neither a rescan nor a restarted bot says it again.
func TestReconcileReplaceIsNotedOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	mod := "module example.com/app\n\ngo 1.21\n\nrequire golang.org/x/text v0.3.5\n\nreplace golang.org/x/text => golang.org/x/text v0.3.5\n"
	if _, _, err := w.human.Commits.CreateCommit(w.project.ID, &gitlab.CreateCommitOptions{
		Branch: gitlab.Ptr("main"), CommitMessage: gitlab.Ptr("pin x/text"),
		Actions: []*gitlab.CommitActionOptions{{Action: gitlab.Ptr(gitlab.FileUpdate), FilePath: gitlab.Ptr("go.mod"), Content: gitlab.Ptr(mod)}},
	}); err != nil {
		t.Fatal(err)
	}
	req := w.request(findingstest.Finding("CVE-2022-32149", "go-module", "golang.org/x/text", "v0.3.5", scored, findingstest.Fingerprint("fp-text-1"), findingstest.Severity(findings.High), findingstest.Fixed("0.3.8")))
	e := w.engine(mr.Options{}, nil)
	for range 2 {
		res, err := e.Reconcile(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if got := actions(res); got != "gomod:blocked" {
			t.Errorf("outcomes = %s, want blocked", got)
		}
	}
	if _, err := w.engine(mr.Options{}, nil).Reconcile(ctx, req); err != nil { // a restarted bot: no memory
		t.Fatal(err)
	}
	notes := w.srv.Notes(w.project.ID, 1)
	if len(notes) != 1 || !strings.Contains(notes[0].Body, "replace directive") {
		t.Errorf("issue #1 notes = %+v, want exactly one about the replace directive", notes)
	}
	if n := userNotes(w); n != 1 {
		t.Errorf("%d notes in all, want 1", n)
	}
}

// Turning pip off leaves its findings and its open merge request alone:
// no note, nothing closed. The patchers are wired as in production: all
// of them, the engine filtering.
func TestReconcileDisabledEcosystemKeepsItsMergeRequests(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	jinja := findingstest.Finding("CVE-2020-28493", "python", "jinja2", "2.11.2", scored, findingstest.Fingerprint("fp-jinja"), findingstest.Severity(findings.Medium), findingstest.Fixed("2.11.3"))
	if _, err := w.engine(mr.Options{}, nil).Reconcile(ctx, w.request(jinja)); err != nil {
		t.Fatal(err)
	}
	pipMR := w.mrByBranch(t, "vigil/pip/jinja2-2.11.3")

	w.srv.ResetCalls()
	for _, req := range []mr.Request{w.request(jinja), w.request(findingstest.Finding("CVE-2024-0727", "apk", "libssl3", "3.1.4-r2", scored, findingstest.Fingerprint("fp-ssl"), findingstest.Severity(findings.Low)))} {
		res, err := w.engine(mr.Options{Disabled: []string{"pip"}}, nil).Reconcile(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Outcomes) != 0 || len(res.Closed) != 0 {
			t.Errorf("disabled pip: outcomes %+v, closed %v", res.Outcomes, res.Closed)
		}
	}
	if writes := w.srv.Writes(); len(writes) != 0 {
		t.Errorf("disabled pip wrote %+v", writes)
	}
	if got := w.mrByBranch(t, pipMR.SourceBranch).State; got != "opened" {
		t.Errorf("pip merge request is %s, want still opened", got)
	}
}
