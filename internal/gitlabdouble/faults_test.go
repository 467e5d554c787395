package gitlabdouble

import (
	"net/http"
	"testing"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

func TestFaults(t *testing.T) {
	const route = "GET /projects/:id/issues"
	list := func(f *fixture) (*gitlab.Response, error) {
		_, resp, err := f.client.Issues.ListProjectIssues(f.project.ID, nil)
		return resp, err
	}

	t.Run("rate limit burst", func(t *testing.T) {
		f := newFixture(t, nil)
		f.srv.SetFault(route, Fault{RateLimited: 2, RetryAfter: 3 * time.Second})
		for k := range 2 {
			resp, err := list(f)
			if statusOf(resp) != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "3" || err == nil {
				t.Fatalf("call %d: status %d Retry-After %q", k, statusOf(resp), resp.Header.Get("Retry-After"))
			}
		}
		if resp, err := list(f); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("after the burst: %v", err)
		}
		// Other routes are not affected.
		if _, _, err := f.client.Labels.ListLabels(f.project.ID, nil); err != nil {
			t.Errorf("labels affected by issues fault: %v", err)
		}
	})

	t.Run("client-go retries through a burst", func(t *testing.T) {
		f := newFixture(t, nil)
		f.srv.SetFault(route, Fault{RateLimited: 1, RetryAfter: time.Second})
		c, err := gitlab.NewClient(f.token, gitlab.WithBaseURL(f.srv.URL()+"/api/v4"), gitlab.WithCustomRetryMax(2))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.Issues.ListProjectIssues(f.project.ID, nil); err != nil {
			t.Fatalf("retrying client failed: %v", err)
		}
		if n := f.srv.CallCount(route); n != 2 {
			t.Errorf("calls = %d, want 2 (one 429, one retry)", n)
		}
	})

	t.Run("error share", func(t *testing.T) {
		f := newFixture(t, nil)
		f.srv.SetFault("/projects/:id/issues", Fault{ErrorRate: 0.5})
		fails := 0
		for range 200 {
			if resp, _ := list(f); statusOf(resp) == http.StatusInternalServerError {
				fails++
			}
		}
		if fails < 60 || fails > 140 {
			t.Errorf("%d of 200 calls failed with ErrorRate 0.5", fails)
		}
		f.srv.SetFault("/projects/:id/issues", Fault{})
		if _, err := list(f); err != nil {
			t.Errorf("fault not cleared: %v", err)
		}
	})

	t.Run("lost answer", func(t *testing.T) {
		f := newFixture(t, nil)
		f.srv.SetFault("POST /projects/:id/issues", Fault{LoseRate: 1})
		_, resp, err := f.client.Issues.CreateIssue(f.project.ID, &gitlab.CreateIssueOptions{Title: gitlab.Ptr("landed")})
		if err == nil || resp != nil {
			t.Fatalf("create answered (%v, %v); want the connection closed", resp, err)
		}
		if is := f.srv.Issues(f.project.ID); len(is) != 1 || is[0].Title != "landed" {
			t.Errorf("issues = %+v, want the write to have landed", is)
		}
	})

	t.Run("latency", func(t *testing.T) {
		f := newFixture(t, nil)
		f.srv.SetFault("*", Fault{Latency: 80 * time.Millisecond})
		start := time.Now()
		if _, err := list(f); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d < 80*time.Millisecond {
			t.Errorf("call took %v, want ≥ 80ms", d)
		}
	})

	t.Run("dropped connection", func(t *testing.T) {
		f := newFixture(t, nil)
		f.srv.SetFault(route, Fault{DropRate: 1})
		if _, err := list(f); err == nil {
			t.Fatal("dropped connection did not fail the call")
		}
		calls := f.srv.Calls()
		if len(calls) != 1 || calls[0].Status != 0 || calls[0].Route != route {
			t.Errorf("calls %+v", calls)
		}
	})
}

func TestCallsCountWrites(t *testing.T) {
	f := newFixture(t, nil)
	if _, _, err := f.client.Issues.CreateIssue(f.project.ID, &gitlab.CreateIssueOptions{Title: gitlab.Ptr("a")}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.client.Issues.UpdateIssue(f.project.ID, 1, &gitlab.UpdateIssueOptions{AddLabels: &gitlab.LabelOptions{"x"}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.client.Issues.ListProjectIssues(f.project.ID, nil); err != nil {
		t.Fatal(err)
	}
	calls := f.srv.Calls()
	want := []Call{
		{Method: "POST", Route: "POST /projects/:id/issues", Path: "/projects/1/issues", Status: 201, Write: true},
		{Method: "PUT", Route: "PUT /projects/:id/issues/:issue_iid", Path: "/projects/1/issues/1", Status: 200, Write: true},
		{Method: "GET", Route: "GET /projects/:id/issues", Path: "/projects/1/issues", Status: 200},
	}
	if len(calls) != len(want) {
		t.Fatalf("%d calls recorded", len(calls))
	}
	for k := range want {
		calls[k].At = time.Time{}
		if calls[k] != want[k] {
			t.Errorf("call %d = %+v, want %+v", k, calls[k], want[k])
		}
	}
	if got := f.srv.CallCounts(); got["POST /projects/:id/issues"] != 1 || got["GET /projects/:id/issues"] != 1 || len(got) != 3 {
		t.Errorf("call counts %v", got)
	}
	if n := len(f.srv.Writes()); n != 2 {
		t.Errorf("writes = %d", n)
	}
	f.srv.ResetCalls()
	// An unchanged rescan reads but never writes.
	if _, _, err := f.client.Issues.ListProjectIssues(f.project.ID, &gitlab.ListProjectIssuesOptions{Labels: &gitlab.LabelOptions{"x"}}); err != nil {
		t.Fatal(err)
	}
	if len(f.srv.Calls()) != 1 || len(f.srv.Writes()) != 0 {
		t.Errorf("after reset: %d calls, %d writes", len(f.srv.Calls()), len(f.srv.Writes()))
	}
	if _, _, err := newClient(t, f.srv, "bad").Issues.ListProjectIssues(f.project.ID, nil); err == nil {
		t.Fatal("bad token accepted")
	}
	if c := f.srv.Calls(); c[len(c)-1].Status != http.StatusUnauthorized {
		t.Errorf("refused call recorded with status %d", c[len(c)-1].Status)
	}
}
