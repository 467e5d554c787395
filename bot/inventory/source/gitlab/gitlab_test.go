package gitlab_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/random"
	gl "gitlab.com/gitlab-org/api/client-go"

	"gitlab.com/vigil-vm/vigil/bot/inventory/source/gitlab"
	"gitlab.com/vigil-vm/vigil/internal/gitlabdouble"
	"gitlab.com/vigil-vm/vigil/internal/registrytest"
)

func TestListGroupRegistry(t *testing.T) {
	reg := registrytest.New(t)
	srv := gitlabdouble.NewTest(t, gitlabdouble.WithContainerRegistry(reg.Host))
	user, token := srv.AddUser("vigil-bot", gitlabdouble.NoAccess)
	for _, p := range []string{"payments/api", "payments/web"} {
		srv.AddProject(gitlabdouble.ProjectSpec{Path: p, Members: map[int]gitlabdouble.AccessLevel{user.ID: gitlabdouble.Reporter}})
	}
	api, _ := random.Image(64, 1)
	worker, _ := random.Image(64, 1)
	web, _ := random.Image(64, 1)
	reg.Push(t, "payments/api:1.0", api)
	reg.Push(t, "payments/api:stable", api)
	reg.Push(t, "payments/api/worker:1.0", worker)
	reg.Push(t, "payments/web:main", web)
	client, err := gl.NewClient(token, gl.WithBaseURL(srv.APIURL()))
	if err != nil {
		t.Fatal(err)
	}

	// GitLab rate-limits the listing twice; client-go waits Retry-After and asks again.
	srv.SetFault("GET /groups/:id/registry/repositories", gitlabdouble.Fault{RateLimited: 2, RetryAfter: 10 * time.Millisecond})
	src := gitlab.New(gitlab.Config{Name: "gl", Client: client, Group: "payments", Token: token, Insecure: true})
	assets, err := src.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, a := range assets {
		got[strings.TrimPrefix(a.Repository, reg.Host+"/")] = a.Owner + " " + strings.Join(a.Tags, ",") + " " + a.Digest[:7]
	}
	want := map[string]string{
		"payments/api":        "payments/api 1.0,stable sha256:",
		"payments/api/worker": "payments/api 1.0 sha256:",
		"payments/web":        "payments/web main sha256:",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %q, want %q", k, got[k], v)
		}
	}
	if len(assets) != 3 {
		t.Errorf("want 3 digests, got %v", got)
	}
}

// A wrong token fails the source with GitLab's answer, and the token
// itself appears nowhere in the error.
func TestWrongTokenFailsWithoutLeakingIt(t *testing.T) {
	srv := gitlabdouble.NewTest(t)
	const secret = "glpat-not-a-real-token-1234"
	client, _ := gl.NewClient(secret, gl.WithBaseURL(srv.APIURL()), gl.WithoutRetries())
	_, err := gitlab.New(gitlab.Config{Name: "gl", Client: client, Group: "payments", Token: secret}).List(context.Background())
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("want a 401, got %v", err)
	}
	if strings.Contains(err.Error(), secret) {
		t.Errorf("error carries the token: %v", err)
	}
}

func TestListProjectRegistry(t *testing.T) {
	reg := registrytest.New(t)
	srv := gitlabdouble.NewTest(t, gitlabdouble.WithContainerRegistry(reg.Host))
	user, token := srv.AddUser("vigil-bot", gitlabdouble.NoAccess)
	srv.AddProject(gitlabdouble.ProjectSpec{Path: "payments/api", Members: map[int]gitlabdouble.AccessLevel{user.ID: gitlabdouble.Reporter}})
	srv.AddProject(gitlabdouble.ProjectSpec{Path: "payments/web", Members: map[int]gitlabdouble.AccessLevel{user.ID: gitlabdouble.Reporter}})
	img, _ := random.Image(64, 1)
	reg.Push(t, "payments/api:1.0", img)
	reg.Push(t, "payments/web:1.0", img)
	client, _ := gl.NewClient(token, gl.WithBaseURL(srv.APIURL()))
	assets, err := gitlab.New(gitlab.Config{Name: "gl", Client: client, Project: "payments/api", Token: token, Insecure: true}).List(context.Background())
	if err != nil || len(assets) != 1 || assets[0].Owner != "payments/api" {
		t.Fatalf("project registry: %v %+v", err, assets)
	}
}
