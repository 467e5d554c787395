package gitlabdouble

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// patchBranch commits a go.mod bump to a new branch through the API.
func patchBranch(t *testing.T, f *fixture, branch, content string) {
	t.Helper()
	_, _, err := f.client.Commits.CreateCommit(f.project.ID, &gitlab.CreateCommitOptions{
		Branch: gitlab.Ptr(branch), StartBranch: gitlab.Ptr("main"), CommitMessage: gitlab.Ptr("bump"),
		Actions: []*gitlab.CommitActionOptions{{Action: gitlab.Ptr(gitlab.FileUpdate), FilePath: gitlab.Ptr("go.mod"), Content: gitlab.Ptr(content)}},
	})
	if err != nil {
		t.Fatalf("commit to %s: %v", branch, err)
	}
}

func TestMergeRequestLifecycle(t *testing.T) {
	f := newFixture(t, seedFiles)
	rc, url := newReceiver(t, 0)
	f.srv.AddHook(f.project.ID, HookSpec{URL: url, Events: []string{"issues_events", "merge_requests_events"}})
	for _, title := range []string{"CVE-1", "CVE-2", "CVE-3"} {
		if _, _, err := f.client.Issues.CreateIssue(f.project.ID, &gitlab.CreateIssueOptions{Title: gitlab.Ptr(title)}); err != nil {
			t.Fatal(err)
		}
	}
	patchBranch(t, f, "vigil/x-net", "require golang.org/x/net v0.23.0\n")

	mr, resp, err := f.client.MergeRequests.CreateMergeRequest(f.project.ID, &gitlab.CreateMergeRequestOptions{
		Title: gitlab.Ptr("Draft: bump x/net"), Description: gitlab.Ptr("Fixes CVE.\n\nCloses #1, #2\n\nRelated to #3"),
		SourceBranch: gitlab.Ptr("vigil/x-net"), TargetBranch: gitlab.Ptr("main"), Labels: &gitlab.LabelOptions{"security"},
		RemoveSourceBranch: gitlab.Ptr(true),
	})
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("create MR: %v", err)
	}
	if mr.IID != 1 || mr.State != "opened" || !mr.Draft || mr.SourceBranch != "vigil/x-net" || mr.WebURL != f.srv.URL()+"/acme/app/-/merge_requests/1" {
		t.Errorf("mr %+v", mr)
	}
	if _, resp, _ := f.client.MergeRequests.CreateMergeRequest(f.project.ID, &gitlab.CreateMergeRequestOptions{
		Title: gitlab.Ptr("again"), SourceBranch: gitlab.Ptr("vigil/x-net"), TargetBranch: gitlab.Ptr("main"),
	}); statusOf(resp) != http.StatusConflict {
		t.Errorf("duplicate MR status %d, want 409", statusOf(resp))
	}
	if _, resp, _ := f.client.MergeRequests.AcceptMergeRequest(f.project.ID, 1, nil); statusOf(resp) != http.StatusMethodNotAllowed {
		t.Errorf("merging a draft: status %d, want 405", statusOf(resp))
	}

	upd, _, err := f.client.MergeRequests.UpdateMergeRequest(f.project.ID, 1, &gitlab.UpdateMergeRequestOptions{
		Title: gitlab.Ptr("Bump golang.org/x/net to v0.23.0"), AddLabels: &gitlab.LabelOptions{"dependencies"},
	})
	if err != nil || upd.Draft || !slices.Equal(upd.Labels, gitlab.Labels{"dependencies", "security"}) {
		t.Fatalf("update: %v %+v", err, upd)
	}
	if _, _, err := f.client.Notes.CreateMergeRequestNote(f.project.ID, 1, &gitlab.CreateMergeRequestNoteOptions{Body: gitlab.Ptr("pipeline passed")}); err != nil {
		t.Fatal(err)
	}
	notes, _, err := f.client.Notes.ListMergeRequestNotes(f.project.ID, 1, nil)
	if err != nil || len(notes) != 1 || notes[0].NoteableType != "MergeRequest" {
		t.Fatalf("MR notes: %v %v", err, notes)
	}

	for _, c := range []struct {
		opt  gitlab.ListProjectMergeRequestsOptions
		want int
	}{
		{gitlab.ListProjectMergeRequestsOptions{SourceBranch: gitlab.Ptr("vigil/x-net")}, 1},
		{gitlab.ListProjectMergeRequestsOptions{SourceBranch: gitlab.Ptr("other")}, 0},
		{gitlab.ListProjectMergeRequestsOptions{State: gitlab.Ptr("opened"), Labels: &gitlab.LabelOptions{"security"}}, 1},
		{gitlab.ListProjectMergeRequestsOptions{State: gitlab.Ptr("merged")}, 0},
	} {
		got, _, err := f.client.MergeRequests.ListProjectMergeRequests(f.project.ID, &c.opt)
		if err != nil || len(got) != c.want {
			t.Errorf("list %+v: %v, %d MRs, want %d", c.opt, err, len(got), c.want)
		}
	}

	merged, _, err := f.client.MergeRequests.AcceptMergeRequest(f.project.ID, 1, nil)
	if err != nil {
		t.Fatalf("merge: %v", err)
	}
	if merged.State != "merged" || merged.MergedBy == nil || merged.MergeCommitSHA == "" || merged.MergedAt == nil {
		t.Errorf("merged %+v", merged)
	}
	if got := string(f.srv.Files(f.project.ID, "main")["go.mod"]); !strings.Contains(got, "v0.23.0") {
		t.Errorf("main go.mod after merge = %q", got)
	}
	if f.srv.BranchHead(f.project.ID, "vigil/x-net") != "" {
		t.Error("source branch not removed")
	}
	states := map[int]string{}
	for _, i := range f.srv.Issues(f.project.ID) {
		states[i.IID] = i.State
		if i.State == "closed" && (i.ClosedBy == nil || i.ClosedBy.Username != "vigil-bot") {
			t.Errorf("issue #%d closed_by %+v", i.IID, i.ClosedBy)
		}
	}
	if states[1] != "closed" || states[2] != "closed" || states[3] != "opened" {
		t.Errorf("issue states after merge %v", states)
	}
	wait(t, f.srv)
	var actions []string
	for _, r := range rc.all() {
		ev, err := gitlab.ParseWebhook(gitlab.EventType(r.header.Get("X-Gitlab-Event")), r.body)
		if err != nil {
			t.Fatal(err)
		}
		switch e := ev.(type) {
		case *gitlab.IssueEvent:
			actions = append(actions, "issue:"+e.ObjectAttributes.Action)
		case *gitlab.MergeEvent:
			actions = append(actions, "mr:"+e.ObjectAttributes.Action)
		}
	}
	slices.Sort(actions)
	want := []string{"issue:close", "issue:close", "issue:open", "issue:open", "issue:open", "mr:merge", "mr:open", "mr:update"}
	if !slices.Equal(actions, want) {
		t.Errorf("hook actions %v, want %v", actions, want)
	}
}

func TestMergeWhenPipelineSucceeds(t *testing.T) {
	f := newFixture(t, seedFiles)
	if _, _, err := f.client.Issues.CreateIssue(f.project.ID, &gitlab.CreateIssueOptions{Title: gitlab.Ptr("CVE")}); err != nil {
		t.Fatal(err)
	}
	patchBranch(t, f, "vigil/a", "a\n")
	if _, _, err := f.client.MergeRequests.CreateMergeRequest(f.project.ID, &gitlab.CreateMergeRequestOptions{
		Title: gitlab.Ptr("a"), Description: gitlab.Ptr("Resolves #1"), SourceBranch: gitlab.Ptr("vigil/a"), TargetBranch: gitlab.Ptr("main"),
	}); err != nil {
		t.Fatal(err)
	}
	mr, _, err := f.client.MergeRequests.AcceptMergeRequest(f.project.ID, 1, &gitlab.AcceptMergeRequestOptions{AutoMerge: gitlab.Ptr(true)})
	if err != nil || mr.State != "opened" || !mr.MergeWhenPipelineSucceeds {
		t.Fatalf("auto merge: %v %+v", err, mr)
	}
	f.srv.FinishPipeline(f.project.ID, PipelineSpec{Ref: "vigil/a", Status: "failed"})
	if m := f.srv.MergeRequests(f.project.ID)[0]; m.State != "opened" {
		t.Fatalf("merged on a failed pipeline")
	}
	f.srv.FinishPipeline(f.project.ID, PipelineSpec{Ref: "vigil/a"})
	if m := f.srv.MergeRequests(f.project.ID)[0]; m.State != "merged" {
		t.Fatalf("not merged after a successful pipeline: %s", m.State)
	}
	if i := f.srv.Issues(f.project.ID)[0]; i.State != "closed" {
		t.Errorf("Resolves #1 did not close the issue")
	}
}

func TestMergeConflict(t *testing.T) {
	f := newFixture(t, seedFiles)
	patchBranch(t, f, "vigil/a", "a\n")
	patchBranch(t, f, "vigil/b", "b\n")
	for _, b := range []string{"vigil/a", "vigil/b"} {
		if _, _, err := f.client.MergeRequests.CreateMergeRequest(f.project.ID, &gitlab.CreateMergeRequestOptions{
			Title: gitlab.Ptr(b), SourceBranch: gitlab.Ptr(b), TargetBranch: gitlab.Ptr("main"),
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.srv.MergeMRAs("vigil-bot", f.project.ID, 1); err != nil {
		t.Fatal(err)
	}
	mr, _, err := f.client.MergeRequests.GetMergeRequest(f.project.ID, 2, nil)
	if err != nil || !mr.HasConflicts || mr.DetailedMergeStatus != "conflict" {
		t.Fatalf("second MR should conflict: %v %+v", err, mr)
	}
	if _, resp, _ := f.client.MergeRequests.AcceptMergeRequest(f.project.ID, 2, nil); statusOf(resp) != http.StatusUnprocessableEntity {
		t.Errorf("merging a conflict: status %d", statusOf(resp))
	}
	closed, _, err := f.client.MergeRequests.UpdateMergeRequest(f.project.ID, 2, &gitlab.UpdateMergeRequestOptions{StateEvent: gitlab.Ptr("close")})
	if err != nil || closed.State != "closed" || closed.ClosedBy == nil {
		t.Errorf("close MR: %v %+v", err, closed)
	}
}

func TestClosesIssues(t *testing.T) {
	cases := map[string][]int{
		"Closes #1":                      {1},
		"closes #1, #2 and #3":           {1, 2, 3},
		"Fixes #4\nResolves issue #5":    {4, 5},
		"Implements #6":                  {6},
		"Related to #7":                  nil,
		"This closes the door on #8? no": nil,
		"fixed #9, fixing #10":           {9, 10},
	}
	for text, want := range cases {
		if got := closesIssues(text); !slices.Equal(got, want) {
			t.Errorf("closesIssues(%q) = %v, want %v", text, got, want)
		}
	}
}
