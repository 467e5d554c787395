package gitlabdouble

import (
	"errors"
	"net/http"
	"testing"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

func TestGetProject(t *testing.T) {
	f := newFixture(t, map[string][]byte{"go.mod": []byte("module x\n")})
	for _, pid := range []any{f.project.ID, "acme/app", int64(f.project.ID)} {
		p, _, err := f.client.Projects.GetProject(pid, nil)
		if err != nil {
			t.Fatalf("get project %v: %v", pid, err)
		}
		if p.ID != int64(f.project.ID) || p.PathWithNamespace != "acme/app" || p.DefaultBranch != "main" {
			t.Errorf("project %v = %d %q %q", pid, p.ID, p.PathWithNamespace, p.DefaultBranch)
		}
		if p.WebURL != f.srv.URL()+"/acme/app" || p.Namespace == nil || p.Namespace.FullPath != "acme" {
			t.Errorf("urls: web %q namespace %+v", p.WebURL, p.Namespace)
		}
	}
	_, resp, err := f.client.Projects.GetProject("acme/missing", nil)
	if statusOf(resp) != http.StatusNotFound || err == nil {
		t.Fatalf("missing project: status %d err %v", statusOf(resp), err)
	}
	if !errors.Is(err, gitlab.ErrNotFound) {
		t.Errorf("missing project error = %v", err)
	}
	// client-go drops 404 bodies, so read GitLab's message directly.
	if status, body := rawGet(t, f.srv, f.token, "/projects/acme%2Fmissing"); status != 404 || body != `{"message":"404 Project Not Found"}` {
		t.Errorf("404 body = %d %s", status, body)
	}
}

func TestListProjects(t *testing.T) {
	f := newFixture(t, nil)
	f.srv.AddProject(ProjectSpec{Path: "acme/hidden"})
	ps, _, err := f.client.Projects.ListProjects(&gitlab.ListProjectsOptions{Membership: gitlab.Ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || ps[0].PathWithNamespace != "acme/app" {
		t.Fatalf("listed %d projects", len(ps))
	}
}
