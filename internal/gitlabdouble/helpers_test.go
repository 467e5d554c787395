package gitlabdouble

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// fixture is a running double with one project and a maintainer token.
type fixture struct {
	srv     *Server
	project Project
	user    User
	token   string
	client  *gitlab.Client
	now     *time.Time
}

func newFixture(t *testing.T, files map[string][]byte) *fixture {
	t.Helper()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	f := &fixture{now: &now}
	f.srv = NewTest(t, WithClock(func() time.Time { return *f.now }), WithHookRetries(3, 5*time.Millisecond))
	f.user, f.token = f.srv.AddUser("vigil-bot", NoAccess)
	f.project = f.srv.AddProject(ProjectSpec{Path: "acme/app", Files: files, Members: map[int]AccessLevel{f.user.ID: Maintainer}})
	f.client = newClient(t, f.srv, f.token)
	return f
}

func (f *fixture) tick(d time.Duration) { *f.now = f.now.Add(d) }

func newClient(t *testing.T, srv *Server, token string) *gitlab.Client {
	t.Helper()
	c, err := gitlab.NewClient(token, gitlab.WithBaseURL(srv.URL()+"/api/v4"), gitlab.WithoutRetries())
	if err != nil {
		t.Fatalf("new client: %v", err)
	}
	return c
}

// rawGet reads an API path without client-go, for bodies client-go hides.
func rawGet(t *testing.T, srv *Server, token, path string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL()+"/api/v4"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("PRIVATE-TOKEN", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b))
}

func statusOf(resp *gitlab.Response) int {
	if resp == nil {
		return 0
	}
	return resp.StatusCode
}
