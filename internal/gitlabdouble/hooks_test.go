package gitlabdouble

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// receiver records webhook POSTs and fails the first failFirst of them.
type receiver struct {
	mu        sync.Mutex
	failFirst int
	got       []received
}

type received struct {
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T, failFirst int) (*receiver, string) {
	rc := &receiver{failFirst: failFirst}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		defer rc.mu.Unlock()
		rc.got = append(rc.got, received{r.Header.Clone(), b})
		if len(rc.got) <= rc.failFirst {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(ts.Close)
	return rc, ts.URL + "/webhook"
}

func (rc *receiver) all() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.got)
}

func wait(t *testing.T, s *Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.WaitDeliveries(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestProjectHooksAPI(t *testing.T) {
	f := newFixture(t, nil)
	h, resp, err := f.client.Projects.AddProjectHook(f.project.ID, &gitlab.AddProjectHookOptions{
		URL: gitlab.Ptr("https://bot.example.com/hook"), Token: gitlab.Ptr("s3cret"),
		JobEvents: gitlab.Ptr(true), PipelineEvents: gitlab.Ptr(true), IssuesEvents: gitlab.Ptr(true),
		ConfidentialIssuesEvents: gitlab.Ptr(true), NoteEvents: gitlab.Ptr(true), MergeRequestsEvents: gitlab.Ptr(true),
	})
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("add hook: %v", err)
	}
	if !h.JobEvents || !h.PipelineEvents || !h.IssuesEvents || !h.NoteEvents || !h.MergeRequestsEvents || !h.PushEvents || h.TagPushEvents {
		t.Errorf("hook flags %+v", h)
	}
	hooks, _, err := f.client.Projects.ListProjectHooks(f.project.ID, nil)
	if err != nil || len(hooks) != 1 || hooks[0].URL != "https://bot.example.com/hook" {
		t.Fatalf("list hooks: %v %v", err, hooks)
	}
	if status, body := rawGet(t, f.srv, f.token, "/projects/1/hooks"); status != 200 || contains(body, "s3cret") {
		t.Errorf("hook list leaks the token: %s", body)
	}
	if _, resp, _ := f.client.Projects.AddProjectHook(f.project.ID, &gitlab.AddProjectHookOptions{URL: gitlab.Ptr("not a url")}); statusOf(resp) != http.StatusUnprocessableEntity {
		t.Errorf("bad url status %d", statusOf(resp))
	}
}

func contains(s, sub string) bool {
	return len(sub) > 0 && len(s) >= len(sub) && (s == sub || indexOf(s, sub) >= 0)
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

func TestPipelineAndJobHooksWithRetries(t *testing.T) {
	f := newFixture(t, map[string][]byte{"Dockerfile": []byte("FROM alpine:3.19\n")})
	rc, url := newReceiver(t, 1)
	if _, _, err := f.client.Projects.AddProjectHook(f.project.ID, &gitlab.AddProjectHookOptions{
		URL: gitlab.Ptr(url), Token: gitlab.Ptr("hook-secret"), JobEvents: gitlab.Ptr(true), PipelineEvents: gitlab.Ptr(true),
	}); err != nil {
		t.Fatal(err)
	}
	pl, jobs := f.srv.FinishPipeline(f.project.ID, PipelineSpec{Jobs: []JobSpec{
		{Name: "vigil-scan", Stage: "test", Artifacts: map[string][]byte{"vigil-findings.json": []byte(`{"schema":"vigil.findings/v1"}`)}},
	}})
	wait(t, f.srv)

	// Deliveries are asynchronous, as in GitLab: group what arrived by event.
	got := rc.all()
	if len(got) != 3 {
		t.Fatalf("receiver got %d POSTs, want 3 (job hook failed once and was retried, then pipeline hook)", len(got))
	}
	byKey := map[string][]received{}
	var jobHook, pipelineHook received
	for _, r := range got {
		byKey[r.header.Get("Idempotency-Key")] = append(byKey[r.header.Get("Idempotency-Key")], r)
		h := r.header
		if h.Get("X-Gitlab-Token") != "hook-secret" || h.Get("User-Agent") != "GitLab/18.5.1" ||
			h.Get("X-Gitlab-Event-UUID") == "" || h.Get("X-Gitlab-Webhook-UUID") == "" || h.Get("Content-Type") != "application/json" {
			t.Errorf("delivery headers: %v", h)
		}
		switch h.Get("X-Gitlab-Event") {
		case "Job Hook":
			jobHook = r
		case "Pipeline Hook":
			pipelineHook = r
		}
	}
	if len(byKey) != 2 {
		t.Errorf("want 2 idempotency keys (one per event, kept across the retry), got %d", len(byKey))
	}
	got = []received{{}, jobHook, pipelineHook}
	ev, err := gitlab.ParseWebhook(gitlab.EventType(got[1].header.Get("X-Gitlab-Event")), got[1].body)
	if err != nil {
		t.Fatalf("client-go cannot parse the job hook: %v", err)
	}
	job, ok := ev.(*gitlab.JobEvent)
	if !ok {
		t.Fatalf("parsed %T", ev)
	}
	if job.ObjectKind != "build" || job.BuildID != int64(jobs[0].ID) || job.BuildName != "vigil-scan" || job.BuildStage != "test" ||
		job.BuildStatus != "success" || job.PipelineID != int64(pl.ID) || job.ProjectID != int64(f.project.ID) || job.Ref != "main" || job.SHA != pl.SHA {
		t.Errorf("job event %+v", job)
	}
	ev, err = gitlab.ParseWebhook(gitlab.EventTypePipeline, got[2].body)
	if err != nil {
		t.Fatal(err)
	}
	pe := ev.(*gitlab.PipelineEvent)
	if pe.ObjectAttributes.ID != int64(pl.ID) || pe.ObjectAttributes.Status != "success" || len(pe.Builds) != 1 ||
		pe.Builds[0].Name != "vigil-scan" || pe.Project.PathWithNamespace != "acme/app" || pe.Project.DefaultBranch != "main" || pe.User.Username != "vigil-bot" {
		t.Errorf("pipeline event %+v", pe)
	}

	ds := f.srv.Deliveries()
	if len(ds) != 2 || !ds[0].Delivered || !ds[1].Delivered || len(ds[0].Attempts)+len(ds[1].Attempts) != 3 {
		t.Fatalf("want 2 delivered deliveries with 3 attempts in all, got %d", len(ds))
	}
	retried := ds[0]
	if len(ds[1].Attempts) == 2 {
		retried = ds[1]
	}
	if retried.Attempts[0].Status != http.StatusBadGateway || retried.Attempts[1].Status != http.StatusOK {
		t.Errorf("retried delivery attempts: %+v", retried.Attempts)
	}
	for range 3 {
		f.srv.Redeliver(ds[0])
	}
	wait(t, f.srv)
	if n := len(f.srv.Deliveries()); n != 5 {
		t.Errorf("redeliveries are recorded: %d deliveries, want 5", n)
	}
	wait(t, f.srv)
	got = rc.all()
	if len(got) != 6 {
		t.Fatalf("after 3 redeliveries receiver has %d POSTs", len(got))
	}
	for _, r := range got[3:] {
		if r.header.Get("Idempotency-Key") != ds[0].IdempotencyKey || string(r.body) != string(ds[0].Body) {
			t.Error("redelivery is not verbatim")
		}
	}
}

func TestDeliveryGivesUpAfterRetries(t *testing.T) {
	f := newFixture(t, nil)
	rc, url := newReceiver(t, 100)
	f.srv.AddHook(f.project.ID, HookSpec{URL: url, Events: []string{"pipeline_events"}})
	f.srv.FinishPipeline(f.project.ID, PipelineSpec{})
	wait(t, f.srv)
	ds := f.srv.Deliveries()
	if len(ds) != 1 || ds[0].Delivered || !ds[0].Done || len(ds[0].Attempts) != 3 || ds[0].Status != http.StatusBadGateway || len(rc.all()) != 3 {
		t.Fatalf("deliveries: %d, receiver %d", len(ds), len(rc.all()))
	}
}

func TestIssueAndNoteHooks(t *testing.T) {
	f := newFixture(t, nil)
	f.srv.AddUser("alice", Developer)
	rc, url := newReceiver(t, 0)
	f.srv.AddHook(f.project.ID, HookSpec{URL: url, Token: "t", Events: []string{"issues_events", "note_events", "confidential_note_events"}})

	if _, _, err := f.client.Issues.CreateIssue(f.project.ID, &gitlab.CreateIssueOptions{Title: gitlab.Ptr("public"), Labels: &gitlab.LabelOptions{"security"}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.client.Issues.CreateIssue(f.project.ID, &gitlab.CreateIssueOptions{Title: gitlab.Ptr("secret"), Confidential: gitlab.Ptr(true)}); err != nil {
		t.Fatal(err)
	}
	f.srv.CloseIssueAs("alice", f.project.ID, 1)
	f.srv.ReopenIssueAs("alice", f.project.ID, 1)
	f.srv.AddNoteAs("alice", f.project.ID, 1, "looks fixed")
	f.srv.AddNoteAs("alice", f.project.ID, 2, "on a confidential issue")
	wait(t, f.srv)

	// Deliveries run concurrently, so compare what arrived as a set and pick
	// bodies by content.
	var events []string
	var closeBody, noteBody []byte
	for _, r := range rc.all() {
		events = append(events, r.header.Get("X-Gitlab-Event"))
		if contains(string(r.body), `"action":"close"`) {
			closeBody = r.body
		}
		if contains(string(r.body), `"note":"looks fixed"`) {
			noteBody = r.body
		}
	}
	slices.Sort(events)
	// The confidential issue's open event goes only to confidential_issues_events hooks.
	want := []string{"Confidential Note Hook", "Issue Hook", "Issue Hook", "Issue Hook", "Note Hook"}
	if !slices.Equal(events, want) {
		t.Fatalf("events = %q, want %q", events, want)
	}
	ev, err := gitlab.ParseWebhook(gitlab.EventTypeIssue, closeBody)
	if err != nil {
		t.Fatal(err)
	}
	ie := ev.(*gitlab.IssueEvent)
	if ie.ObjectAttributes.Action != "close" || ie.ObjectAttributes.State != "closed" || ie.User.Username != "alice" ||
		ie.ObjectAttributes.IID != 1 || len(ie.Labels) != 1 || ie.Labels[0].Title != "security" || ie.Project.PathWithNamespace != "acme/app" {
		t.Errorf("close event %+v", ie.ObjectAttributes)
	}
	ev, err = gitlab.ParseWebhook(gitlab.EventTypeNote, noteBody)
	if err != nil {
		t.Fatal(err)
	}
	ne := ev.(*gitlab.IssueCommentEvent)
	if ne.ObjectAttributes.Note != "looks fixed" || ne.Issue.IID != 1 || ne.ObjectAttributes.NoteableType != "Issue" {
		t.Errorf("note event %+v", ne.ObjectAttributes)
	}
	if i := f.srv.Issues(f.project.ID)[0]; i.State != "opened" || i.ClosedBy != nil {
		t.Errorf("after reopen: %+v", i)
	}
}

func TestLifecycleHooks(t *testing.T) {
	srv := NewTest(t, WithLifecycleHooks())
	srv.AddUser("root", NoAccess)
	p := srv.AddProject(ProjectSpec{Path: "acme/app", Files: map[string][]byte{"a": []byte("a")}})
	rc, url := newReceiver(t, 0)
	srv.AddHook(p.ID, HookSpec{URL: url, Events: []string{"job_events", "pipeline_events"}})
	srv.FinishPipeline(p.ID, PipelineSpec{Jobs: []JobSpec{{Name: "scan", Status: "failed"}}})
	wait(t, srv)
	var seen []string
	for _, r := range rc.all() {
		ev, err := gitlab.ParseWebhook(gitlab.EventType(r.header.Get("X-Gitlab-Event")), r.body)
		if err != nil {
			t.Fatal(err)
		}
		switch e := ev.(type) {
		case *gitlab.JobEvent:
			seen = append(seen, "job:"+e.BuildStatus)
			if e.BuildStatus != "failed" && e.BuildFinishedAt != "" {
				t.Errorf("%s job hook has finished_at %q", e.BuildStatus, e.BuildFinishedAt)
			}
		case *gitlab.PipelineEvent:
			seen = append(seen, "pipeline:"+e.ObjectAttributes.Status)
		}
	}
	slices.Sort(seen)
	want := []string{"job:failed", "job:pending", "job:running", "pipeline:failed", "pipeline:pending", "pipeline:running"}
	if !slices.Equal(seen, want) {
		t.Errorf("events %v, want %v", seen, want)
	}
}
