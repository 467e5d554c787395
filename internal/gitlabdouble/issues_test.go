package gitlabdouble

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

func TestIssueLifecycle(t *testing.T) {
	f := newFixture(t, nil)
	other, _ := f.srv.AddUser("alice", Developer)
	due, _ := gitlab.ParseISOTime("2026-04-01")
	is := f.client.Issues
	created, resp, err := is.CreateIssue(f.project.ID, &gitlab.CreateIssueOptions{
		Title: gitlab.Ptr("CVE-2024-1 in golang.org/x/net"), Description: gitlab.Ptr("<!-- vigil:fp=abc -->\nbody"),
		Labels: &gitlab.LabelOptions{"security", "severity::1"}, DueDate: &due, Confidential: gitlab.Ptr(true),
		AssigneeIDs: &[]int64{int64(other.ID), 9999},
	})
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %v", err)
	}
	if created.IID != 1 || created.State != "opened" || !created.Confidential || created.DueDate.String() != "2026-04-01" {
		t.Errorf("created: iid %d state %s conf %v due %v", created.IID, created.State, created.Confidential, created.DueDate)
	}
	if !slices.Equal(created.Labels, gitlab.Labels{"security", "severity::1"}) || len(created.Assignees) != 1 || created.Assignees[0].Username != "alice" {
		t.Errorf("labels %v assignees %v", created.Labels, created.Assignees)
	}
	if created.WebURL != f.srv.URL()+"/acme/app/-/issues/1" || created.Author.Username != "vigil-bot" || created.References.Full != "acme/app#1" {
		t.Errorf("web_url %q author %q refs %+v", created.WebURL, created.Author.Username, created.References)
	}

	f.tick(time.Hour)
	closed, _, err := is.UpdateIssue(f.project.ID, 1, &gitlab.UpdateIssueOptions{
		StateEvent: gitlab.Ptr("close"), AddLabels: &gitlab.LabelOptions{"SLA::Breached"}, RemoveLabels: &gitlab.LabelOptions{"severity::1"},
	})
	if err != nil {
		t.Fatalf("close: %v", err)
	}
	if closed.State != "closed" || closed.ClosedAt == nil || !closed.ClosedAt.Equal(*f.now) || closed.ClosedBy == nil || closed.ClosedBy.Username != "vigil-bot" {
		t.Errorf("closed: state %s at %v by %v", closed.State, closed.ClosedAt, closed.ClosedBy)
	}
	if !closed.UpdatedAt.Equal(*f.now) || !slices.Equal(closed.Labels, gitlab.Labels{"SLA::Breached", "security"}) {
		t.Errorf("updated_at %v labels %v", closed.UpdatedAt, closed.Labels)
	}

	f.tick(time.Hour)
	reopened, _, err := is.UpdateIssue(f.project.ID, 1, &gitlab.UpdateIssueOptions{StateEvent: gitlab.Ptr("reopen"), ResetDueDate: true, Confidential: gitlab.Ptr(false), AssigneeIDs: &[]int64{}})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	if reopened.State != "opened" || reopened.ClosedAt != nil || reopened.ClosedBy != nil || reopened.DueDate != nil || reopened.Confidential || len(reopened.Assignees) != 0 {
		t.Errorf("reopened: %+v", reopened)
	}

	// An edit that changes nothing leaves updated_at alone.
	f.tick(time.Hour)
	same, _, err := is.UpdateIssue(f.project.ID, 1, &gitlab.UpdateIssueOptions{Labels: &gitlab.LabelOptions{"security", "SLA::Breached"}})
	if err != nil || !same.UpdatedAt.Equal(*reopened.UpdatedAt) {
		t.Errorf("no-op edit moved updated_at: %v → %v (%v)", reopened.UpdatedAt, same.UpdatedAt, err)
	}

	got, _, err := is.GetIssue(f.project.ID, 1)
	if err != nil || got.Title != created.Title {
		t.Fatalf("get: %v", err)
	}
	if _, resp, _ := is.GetIssue(f.project.ID, 42); statusOf(resp) != http.StatusNotFound {
		t.Errorf("missing issue status %d", statusOf(resp))
	}
	if _, resp, _ := is.CreateIssue(f.project.ID, &gitlab.CreateIssueOptions{Description: gitlab.Ptr("x")}); statusOf(resp) != http.StatusBadRequest {
		t.Errorf("issue without title status %d", statusOf(resp))
	}
	if _, resp, _ := is.UpdateIssue(f.project.ID, 1, &gitlab.UpdateIssueOptions{StateEvent: gitlab.Ptr("explode")}); statusOf(resp) != http.StatusBadRequest {
		t.Errorf("bad state_event status %d", statusOf(resp))
	}
	notes := f.srv.Notes(f.project.ID, 1)
	var bodies []string
	for _, n := range notes {
		if n.System {
			bodies = append(bodies, n.Body)
		}
	}
	if !slices.Contains(bodies, "closed") || !slices.Contains(bodies, "reopened") || !slices.Contains(bodies, "removed due date") {
		t.Errorf("system notes = %q", bodies)
	}
}

func TestConfidentialIssuesHiddenFromGuests(t *testing.T) {
	f := newFixture(t, nil)
	_, guestTok := f.srv.AddUser("guest", NoAccess)
	f.srv.Grant(guestTok, "acme/app", Guest)
	for _, conf := range []bool{true, false} {
		if _, _, err := f.client.Issues.CreateIssue(f.project.ID, &gitlab.CreateIssueOptions{Title: gitlab.Ptr(fmt.Sprint(conf)), Confidential: gitlab.Ptr(conf)}); err != nil {
			t.Fatal(err)
		}
	}
	guest := newClient(t, f.srv, guestTok)
	list, _, err := guest.Issues.ListProjectIssues(f.project.ID, nil)
	if err != nil || len(list) != 1 || list[0].Confidential {
		t.Fatalf("guest sees %d issues (%v)", len(list), err)
	}
	if _, resp, _ := guest.Issues.GetIssue(f.project.ID, 1); statusOf(resp) != http.StatusNotFound {
		t.Errorf("guest get confidential issue status %d", statusOf(resp))
	}
	// Guests may open issues, but labels are silently dropped.
	i, _, err := guest.Issues.CreateIssue(f.project.ID, &gitlab.CreateIssueOptions{Title: gitlab.Ptr("g"), Labels: &gitlab.LabelOptions{"x"}})
	if err != nil || len(i.Labels) != 0 {
		t.Errorf("guest-created issue: %v labels %v", err, i)
	}
	if _, resp, _ := guest.Issues.UpdateIssue(f.project.ID, 2, &gitlab.UpdateIssueOptions{StateEvent: gitlab.Ptr("close")}); statusOf(resp) != http.StatusForbidden {
		t.Errorf("guest closing someone else's issue: status %d", statusOf(resp))
	}
}

func TestListIssuesFiltersAndPagination(t *testing.T) {
	f := newFixture(t, nil)
	const n = 260
	for k := 1; k <= n; k++ {
		labels := gitlab.LabelOptions{"security"}
		if k%2 == 0 {
			labels = append(labels, "severity::2")
		}
		if k%5 == 0 {
			labels = append(labels, "SLA::Near Breach")
		}
		title := fmt.Sprintf("finding %03d", k)
		if k == 77 {
			title = "CVE-2025-12345 in openssl"
		}
		if _, _, err := f.client.Issues.CreateIssue(f.project.ID, &gitlab.CreateIssueOptions{Title: &title, Labels: &labels}); err != nil {
			t.Fatal(err)
		}
		f.tick(time.Minute)
	}
	for k := int64(1); k <= 30; k++ {
		if _, _, err := f.client.Issues.UpdateIssue(f.project.ID, k, &gitlab.UpdateIssueOptions{StateEvent: gitlab.Ptr("close")}); err != nil {
			t.Fatal(err)
		}
	}

	// Walk every page the way client-go users do.
	var seen []int64
	opt := &gitlab.ListProjectIssuesOptions{ListOptions: gitlab.ListOptions{PerPage: 100}}
	pages := int64(0)
	for {
		page, resp, err := f.client.Issues.ListProjectIssues(f.project.ID, opt)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if resp.TotalItems != n || resp.TotalPages != 3 || resp.CurrentPage != pages || resp.ItemsPerPage != 100 {
			t.Fatalf("page %d headers: total %d pages %d current %d per %d", pages, resp.TotalItems, resp.TotalPages, resp.CurrentPage, resp.ItemsPerPage)
		}
		if resp.NextPage != 0 && resp.NextLink == "" {
			t.Errorf("page %d has X-Next-Page but no Link rel=next", pages)
		}
		for _, i := range page {
			seen = append(seen, i.IID)
		}
		if resp.NextPage == 0 {
			break
		}
		opt.Page = resp.NextPage
	}
	if len(seen) != n || seen[0] != n || seen[n-1] != 1 {
		t.Fatalf("walked %d issues, first %d last %d (want newest first)", len(seen), seen[0], seen[len(seen)-1])
	}

	_, resp, err := f.client.Issues.ListProjectIssues(f.project.ID, &gitlab.ListProjectIssuesOptions{ListOptions: gitlab.ListOptions{PerPage: 500}})
	if err != nil || resp.ItemsPerPage != 100 {
		t.Errorf("per_page not capped: %d (%v)", resp.ItemsPerPage, err)
	}

	cases := []struct {
		name string
		opt  gitlab.ListProjectIssuesOptions
		want int
	}{
		{"one label", gitlab.ListProjectIssuesOptions{Labels: &gitlab.LabelOptions{"severity::2"}}, 130},
		{"all labels must match", gitlab.ListProjectIssuesOptions{Labels: &gitlab.LabelOptions{"severity::2", "SLA::Near Breach"}}, 26},
		{"opened with label", gitlab.ListProjectIssuesOptions{State: gitlab.Ptr("opened"), Labels: &gitlab.LabelOptions{"SLA::Near Breach"}}, 46},
		{"closed", gitlab.ListProjectIssuesOptions{State: gitlab.Ptr("closed")}, 30},
		{"search", gitlab.ListProjectIssuesOptions{Search: gitlab.Ptr("cve-2025-12345")}, 1},
		{"iids", gitlab.ListProjectIssuesOptions{IIDs: &[]int64{3, 5, 999}}, 2},
		{"not labels", gitlab.ListProjectIssuesOptions{NotLabels: &gitlab.LabelOptions{"severity::2"}}, 130},
		{"no match", gitlab.ListProjectIssuesOptions{Labels: &gitlab.LabelOptions{"nope"}}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.opt.PerPage = 100
			page, resp, err := f.client.Issues.ListProjectIssues(f.project.ID, &c.opt)
			if err != nil {
				t.Fatal(err)
			}
			if resp.TotalItems != int64(c.want) {
				t.Errorf("X-Total = %d, want %d", resp.TotalItems, c.want)
			}
			if c.want <= 100 && len(page) != c.want {
				t.Errorf("got %d issues, want %d", len(page), c.want)
			}
		})
	}

	asc, _, err := f.client.Issues.ListProjectIssues(f.project.ID, &gitlab.ListProjectIssuesOptions{
		OrderBy: gitlab.Ptr("updated_at"), Sort: gitlab.Ptr("asc"), ListOptions: gitlab.ListOptions{PerPage: 3},
	})
	if err != nil || asc[0].IID != 31 {
		t.Errorf("order_by=updated_at asc starts at #%d, want #31 (closed ones were updated last)", asc[0].IID)
	}
}

func TestIssueValidationLimits(t *testing.T) {
	f := newFixture(t, nil)
	long := strings.Repeat("é", 256)
	if _, resp, _ := f.client.Issues.CreateIssue(f.project.ID, &gitlab.CreateIssueOptions{Title: &long}); statusOf(resp) != http.StatusBadRequest {
		t.Errorf("256-character title: status %d", statusOf(resp))
	}
	ok := strings.Repeat("é", 255)
	if _, _, err := f.client.Issues.CreateIssue(f.project.ID, &gitlab.CreateIssueOptions{Title: &ok}); err != nil {
		t.Errorf("255-character title: %v", err)
	}
	huge := strings.Repeat("x", 1_000_001)
	if _, resp, _ := f.client.Notes.CreateIssueNote(f.project.ID, 1, &gitlab.CreateIssueNoteOptions{Body: &huge}); statusOf(resp) != http.StatusBadRequest {
		t.Errorf("oversized note: status %d", statusOf(resp))
	}
	if _, resp, _ := f.client.Issues.UpdateIssue(f.project.ID, 1, &gitlab.UpdateIssueOptions{Description: &huge}); statusOf(resp) != http.StatusBadRequest {
		t.Errorf("oversized description: status %d", statusOf(resp))
	}
}

func TestScopedLabels(t *testing.T) {
	for _, scoped := range []bool{false, true} {
		opts := []Option{}
		if scoped {
			opts = append(opts, WithScopedLabels())
		}
		srv := NewTest(t, opts...)
		_, tok := srv.AddUser("bot", Maintainer)
		p := srv.AddProject(ProjectSpec{Path: "acme/app"})
		c := newClient(t, srv, tok)
		if _, _, err := c.Issues.CreateIssue(p.ID, &gitlab.CreateIssueOptions{Title: gitlab.Ptr("t"), Labels: &gitlab.LabelOptions{"SLA::Near Breach", "security"}}); err != nil {
			t.Fatal(err)
		}
		got, _, err := c.Issues.UpdateIssue(p.ID, 1, &gitlab.UpdateIssueOptions{AddLabels: &gitlab.LabelOptions{"SLA::Breached"}})
		if err != nil {
			t.Fatal(err)
		}
		want := gitlab.Labels{"SLA::Breached", "SLA::Near Breach", "security"}
		if scoped {
			want = gitlab.Labels{"SLA::Breached", "security"}
		}
		if !slices.Equal(got.Labels, want) {
			t.Errorf("scoped=%v: labels %v, want %v", scoped, got.Labels, want)
		}
	}
}
