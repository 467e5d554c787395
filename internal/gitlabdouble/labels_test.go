package gitlabdouble

import (
	"net/http"
	"testing"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

func TestLabels(t *testing.T) {
	f := newFixture(t, nil)
	c := f.client.Labels
	l, resp, err := c.CreateLabel(f.project.ID, &gitlab.CreateLabelOptions{
		Name: gitlab.Ptr("severity::1"), Color: gitlab.Ptr("#FF0000"), Description: gitlab.Ptr("Critical"),
	})
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %v (status %d)", err, statusOf(resp))
	}
	if l.Name != "severity::1" || l.Color != "#FF0000" || l.Description != "Critical" || l.TextColor != "#FFFFFF" {
		t.Errorf("created %+v", l)
	}

	_, resp, _ = c.CreateLabel(f.project.ID, &gitlab.CreateLabelOptions{Name: gitlab.Ptr("severity::1"), Color: gitlab.Ptr("#00FF00")})
	if statusOf(resp) != http.StatusConflict {
		t.Errorf("duplicate label status = %d, want 409", statusOf(resp))
	}
	_, resp, _ = c.CreateLabel(f.project.ID, &gitlab.CreateLabelOptions{Name: gitlab.Ptr("nocolor")})
	if statusOf(resp) != http.StatusBadRequest {
		t.Errorf("label without color status = %d, want 400", statusOf(resp))
	}
	_, resp, _ = c.CreateLabel(f.project.ID, &gitlab.CreateLabelOptions{Name: gitlab.Ptr("bad"), Color: gitlab.Ptr("#GGG")})
	if statusOf(resp) != http.StatusBadRequest {
		t.Errorf("bad color status = %d, want 400", statusOf(resp))
	}

	u, _, err := c.UpdateLabel(f.project.ID, "severity::1", &gitlab.UpdateLabelOptions{Color: gitlab.Ptr("#eeeeee"), Description: gitlab.Ptr("Sev 1")})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if u.Color != "#eeeeee" || u.Description != "Sev 1" || u.TextColor != "#1F1E24" {
		t.Errorf("updated %+v", u)
	}
	u, _, err = c.UpdateLabel(f.project.ID, l.ID, &gitlab.UpdateLabelOptions{NewName: gitlab.Ptr("severity::critical")})
	if err != nil || u.Name != "severity::critical" {
		t.Fatalf("rename by id: %v %+v", err, u)
	}

	for _, n := range []string{"b", "a", "security"} {
		if _, _, err := c.CreateLabel(f.project.ID, &gitlab.CreateLabelOptions{Name: gitlab.Ptr(n), Color: gitlab.Ptr("#123456")}); err != nil {
			t.Fatal(err)
		}
	}
	all, resp, err := c.ListLabels(f.project.ID, &gitlab.ListLabelsOptions{ListOptions: gitlab.ListOptions{PerPage: 2}})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].Name != "a" || all[1].Name != "b" || resp.TotalItems != 4 || resp.NextPage != 2 {
		t.Errorf("first page: %d labels, total %d, next %d", len(all), resp.TotalItems, resp.NextPage)
	}
	found, _, err := c.ListLabels(f.project.ID, &gitlab.ListLabelsOptions{Search: gitlab.Ptr("secur")})
	if err != nil || len(found) != 1 || found[0].Name != "security" {
		t.Errorf("search: %v %v", err, found)
	}

	_, _, err = f.client.Issues.CreateIssue(f.project.ID, &gitlab.CreateIssueOptions{Title: gitlab.Ptr("x"), Labels: &gitlab.LabelOptions{"a", "implicit"}})
	if err != nil {
		t.Fatal(err)
	}
	counted, _, err := c.ListLabels(f.project.ID, &gitlab.ListLabelsOptions{WithCounts: gitlab.Ptr(true), Search: gitlab.Ptr("implicit")})
	if err != nil || len(counted) != 1 || counted[0].Color != "#6699cc" || counted[0].OpenIssuesCount != 1 {
		t.Errorf("implicitly created label: %v %+v", err, counted)
	}
	if got := len(f.srv.Labels(f.project.ID)); got != 5 {
		t.Errorf("Labels snapshot has %d labels, want 5", got)
	}
}
