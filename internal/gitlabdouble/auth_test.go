package gitlabdouble

import (
	"errors"
	"net/http"
	"testing"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

func asError(err error, target **gitlab.ErrorResponse) bool { return errors.As(err, target) }

func TestAuth(t *testing.T) {
	f := newFixture(t, nil)
	_, guestTok := f.srv.AddUser("guest", NoAccess)
	f.srv.Grant(guestTok, "acme/app", Reporter)
	_, strangerTok := f.srv.AddUser("stranger", NoAccess)
	pub := f.srv.AddProject(ProjectSpec{Path: "acme/public", Visibility: "public"})

	bearer, err := gitlab.NewOAuthClient(f.token, gitlab.WithBaseURL(f.srv.URL()+"/api/v4"), gitlab.WithoutRetries())
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		call func() (*gitlab.Response, error)
		want int
	}{
		{"private token", func() (*gitlab.Response, error) {
			_, r, err := f.client.Projects.GetProject(f.project.ID, nil)
			return r, err
		}, http.StatusOK},
		{"bearer token", func() (*gitlab.Response, error) {
			_, r, err := bearer.Projects.GetProject(f.project.ID, nil)
			return r, err
		}, http.StatusOK},
		{"no token", func() (*gitlab.Response, error) {
			_, r, err := newClient(t, f.srv, "").Projects.GetProject(f.project.ID, nil)
			return r, err
		}, http.StatusUnauthorized},
		{"wrong token", func() (*gitlab.Response, error) {
			_, r, err := newClient(t, f.srv, "glpat-nope").Projects.GetProject(f.project.ID, nil)
			return r, err
		}, http.StatusUnauthorized},
		{"private project of others is hidden", func() (*gitlab.Response, error) {
			_, r, err := newClient(t, f.srv, strangerTok).Projects.GetProject(f.project.ID, nil)
			return r, err
		}, http.StatusNotFound},
		{"public project is readable", func() (*gitlab.Response, error) {
			_, r, err := newClient(t, f.srv, strangerTok).Projects.GetProject(pub.ID, nil)
			return r, err
		}, http.StatusOK},
		{"non-member cannot write to a public project", func() (*gitlab.Response, error) {
			_, r, err := newClient(t, f.srv, strangerTok).Labels.CreateLabel(pub.ID, &gitlab.CreateLabelOptions{Name: gitlab.Ptr("x"), Color: gitlab.Ptr("#fff")})
			return r, err
		}, http.StatusForbidden},
		{"reporter cannot add hooks", func() (*gitlab.Response, error) {
			_, r, err := newClient(t, f.srv, guestTok).Projects.AddProjectHook(f.project.ID, &gitlab.AddProjectHookOptions{URL: gitlab.Ptr("http://x.test/")})
			return r, err
		}, http.StatusForbidden},
		{"revoked grant hides the project", func() (*gitlab.Response, error) {
			_, tok := f.srv.AddUser("everywhere", Developer)
			f.srv.Grant(tok, "acme/app", NoAccess)
			_, r, err := newClient(t, f.srv, tok).Projects.GetProject(f.project.ID, nil)
			return r, err
		}, http.StatusNotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, err := c.call()
			if statusOf(resp) != c.want {
				t.Fatalf("status = %d (err %v), want %d", statusOf(resp), err, c.want)
			}
			if c.want == http.StatusUnauthorized {
				var er *gitlab.ErrorResponse
				if !asError(err, &er) || er.Message != "{message: 401 Unauthorized}" {
					t.Errorf("401 body: %v", err)
				}
			}
		})
	}
}
