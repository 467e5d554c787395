package gitlabdouble

import (
	"net/http"
	"testing"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

func TestIssueNotes(t *testing.T) {
	f := newFixture(t, nil)
	f.srv.AddUser("alice", Developer)
	if _, _, err := f.client.Issues.CreateIssue(f.project.ID, &gitlab.CreateIssueOptions{Title: gitlab.Ptr("t")}); err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{"first", "second"} {
		f.tick(time.Minute)
		n, resp, err := f.client.Notes.CreateIssueNote(f.project.ID, 1, &gitlab.CreateIssueNoteOptions{Body: gitlab.Ptr(body)})
		if err != nil || resp.StatusCode != http.StatusCreated || n.Body != body || n.NoteableType != "Issue" || n.NoteableIID != 1 || n.Author.Username != "vigil-bot" {
			t.Fatalf("create note: %v %+v", err, n)
		}
	}
	f.tick(time.Minute)
	f.srv.AddNoteAs("alice", f.project.ID, 1, "/close please")

	notes, resp, err := f.client.Notes.ListIssueNotes(f.project.ID, 1, &gitlab.ListIssueNotesOptions{OrderBy: gitlab.Ptr("created_at"), Sort: gitlab.Ptr("asc")})
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 3 || notes[0].Body != "first" || notes[2].Author.Username != "alice" || resp.TotalItems != 3 {
		t.Fatalf("notes = %d, first %q", len(notes), notes[0].Body)
	}
	desc, _, _ := f.client.Notes.ListIssueNotes(f.project.ID, 1, nil)
	if desc[0].Body != "/close please" {
		t.Errorf("default order should be newest first, got %q", desc[0].Body)
	}
	issue, _, _ := f.client.Issues.GetIssue(f.project.ID, 1)
	if issue.UserNotesCount != 3 || !issue.UpdatedAt.Equal(*f.now) {
		t.Errorf("user_notes_count %d updated_at %v", issue.UserNotesCount, issue.UpdatedAt)
	}
	if _, resp, _ := f.client.Notes.CreateIssueNote(f.project.ID, 1, &gitlab.CreateIssueNoteOptions{}); statusOf(resp) != http.StatusBadRequest {
		t.Errorf("empty note status %d", statusOf(resp))
	}
	if _, resp, _ := f.client.Notes.ListIssueNotes(f.project.ID, 7, nil); statusOf(resp) != http.StatusNotFound {
		t.Errorf("notes of missing issue status %d", statusOf(resp))
	}
}

func TestMergeRequestNoteEdit(t *testing.T) {
	f := newFixture(t, nil)
	_, aliceToken := f.srv.AddUser("alice", Developer)
	if _, _, err := f.client.Branches.CreateBranch(f.project.ID, &gitlab.CreateBranchOptions{Branch: gitlab.Ptr("feature"), Ref: gitlab.Ptr("main")}); err != nil {
		t.Fatal(err)
	}
	mr, _, err := f.client.MergeRequests.CreateMergeRequest(f.project.ID, &gitlab.CreateMergeRequestOptions{
		Title: gitlab.Ptr("t"), SourceBranch: gitlab.Ptr("feature"), TargetBranch: gitlab.Ptr("main")})
	if err != nil {
		t.Fatal(err)
	}
	n, _, err := f.client.Notes.CreateMergeRequestNote(f.project.ID, mr.IID, &gitlab.CreateMergeRequestNoteOptions{Body: gitlab.Ptr("first")})
	if err != nil {
		t.Fatal(err)
	}
	f.tick(time.Minute)
	edited, resp, err := f.client.Notes.UpdateMergeRequestNote(f.project.ID, mr.IID, n.ID, &gitlab.UpdateMergeRequestNoteOptions{Body: gitlab.Ptr("second")})
	if err != nil || resp.StatusCode != http.StatusOK || edited.Body != "second" || edited.ID != n.ID || !edited.UpdatedAt.After(*edited.CreatedAt) {
		t.Fatalf("edit: %v %+v", err, edited)
	}
	if notes := f.srv.MRNotes(f.project.ID, int(mr.IID)); len(notes) != 1 || notes[0].Body != "second" {
		t.Errorf("notes after edit = %+v", notes)
	}
	alice := newClient(t, f.srv, aliceToken)
	if _, resp, _ := alice.Notes.UpdateMergeRequestNote(f.project.ID, mr.IID, n.ID, &gitlab.UpdateMergeRequestNoteOptions{Body: gitlab.Ptr("x")}); statusOf(resp) != http.StatusForbidden {
		t.Errorf("someone else's edit: status %d, want 403", statusOf(resp))
	}
	if _, resp, _ := f.client.Notes.UpdateMergeRequestNote(f.project.ID, mr.IID, 999, &gitlab.UpdateMergeRequestNoteOptions{Body: gitlab.Ptr("x")}); statusOf(resp) != http.StatusNotFound {
		t.Errorf("missing note: status %d, want 404", statusOf(resp))
	}
}

func TestGetIssueNote(t *testing.T) {
	f := newFixture(t, nil)
	f.srv.AddUser("alice", Developer)
	for range 2 {
		if _, _, err := f.client.Issues.CreateIssue(f.project.ID, &gitlab.CreateIssueOptions{Title: gitlab.Ptr("t")}); err != nil {
			t.Fatal(err)
		}
	}
	made := f.srv.AddNoteAs("alice", f.project.ID, 1, "/vigil revoke")
	n, _, err := f.client.Notes.GetIssueNote(f.project.ID, 1, int64(made.ID))
	if err != nil || n.Body != "/vigil revoke" || n.Author.Username != "alice" || n.NoteableIID != 1 {
		t.Fatalf("get note: %v %+v", err, n)
	}
	// The note exists, but not on issue 2; an id no note has is not found either.
	for _, c := range []struct{ issue, note int64 }{{2, int64(made.ID)}, {1, 9999}} {
		if _, resp, _ := f.client.Notes.GetIssueNote(f.project.ID, c.issue, c.note); statusOf(resp) != http.StatusNotFound {
			t.Errorf("note %d of issue %d: status %d, want 404", c.note, c.issue, statusOf(resp))
		}
	}
}
