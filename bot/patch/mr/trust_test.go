package mr_test

import (
	"context"
	"testing"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"gitlab.com/vigil-vm/vigil/bot/patch/mr"
	"gitlab.com/vigil-vm/vigil/internal/findings"
	"gitlab.com/vigil-vm/vigil/internal/findings/findingstest"
)

// A person copies the label and hidden marker of a vigil merge request onto
// one of their own. The engine must not take it for its own: closing it as
// no longer needed, or adopting it as the fix.
func TestReconcileIgnoresMergeRequestsItDidNotWrite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	branch := mr.Branch("pip", "urllib3", "1.26.18")
	if _, _, err := w.human.Branches.CreateBranch(w.project.ID, &gitlab.CreateBranchOptions{Branch: gitlab.Ptr(branch), Ref: gitlab.Ptr("main")}); err != nil {
		t.Fatal(err)
	}
	planted, _, err := w.human.MergeRequests.CreateMergeRequest(w.project.ID, &gitlab.CreateMergeRequestOptions{
		Title: gitlab.Ptr("fix(deps): bump urllib3"), SourceBranch: gitlab.Ptr(branch), TargetBranch: gitlab.Ptr("main"),
		Labels:      &gitlab.LabelOptions{"vigil", "security"},
		Description: gitlab.Ptr(`<!-- vigil:patch {"key":"pip/urllib3","version":"1.26.18"} -->`),
	})
	if err != nil {
		t.Fatal(err)
	}
	jinja := findingstest.Finding("CVE-2020-28493", "python", "jinja2", "2.11.2", scored, findingstest.Fingerprint("fp-jinja"), findingstest.Severity(findings.Medium), findingstest.Fixed("2.11.3"))
	res, err := w.engine(mr.Options{}, nil).Reconcile(ctx, w.request(jinja))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Closed) != 0 {
		t.Errorf("closed %v: a merge request the engine did not write", res.Closed)
	}
	if got := w.mrByBranch(t, branch); got.State != "opened" || got.IID != int(planted.IID) {
		t.Errorf("the planted merge request is %s (!%d)", got.State, got.IID)
	}
	if got := actions(res); got != "pip:opened" {
		t.Errorf("actions %s, want the jinja2 merge request opened", got)
	}
}
