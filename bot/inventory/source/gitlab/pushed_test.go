package gitlab_test

import (
	"context"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	gl "gitlab.com/gitlab-org/api/client-go"

	"gitlab.com/vigil-vm/vigil/bot/inventory/source/gitlab"
	"gitlab.com/vigil-vm/vigil/internal/gitlabdouble"
	"gitlab.com/vigil-vm/vigil/internal/registrytest"
)

// Each digest carries the created_at of GitLab's tag details as its push
// time; a failed details request leaves it unknown without failing the
// source.
func TestPushTimesFromTagDetails(t *testing.T) {
	reg := registrytest.New(t)
	srv := gitlabdouble.NewTest(t, gitlabdouble.WithContainerRegistry(reg.Host))
	user, token := srv.AddUser("vigil-bot", gitlabdouble.NoAccess)
	srv.AddProject(gitlabdouble.ProjectSpec{Path: "payments/api", Members: map[int]gitlabdouble.AccessLevel{user.ID: gitlabdouble.Reporter}})
	pushed := time.Date(2026, 10, 30, 8, 15, 0, 0, time.UTC)
	base, _ := random.Image(64, 1)
	img, err := mutate.CreatedAt(base, v1.Time{Time: pushed})
	if err != nil {
		t.Fatal(err)
	}
	reg.Push(t, "payments/api:1.0", img)
	client, err := gl.NewClient(token, gl.WithBaseURL(srv.APIURL()), gl.WithoutRetries())
	if err != nil {
		t.Fatal(err)
	}
	src := gitlab.New(gitlab.Config{Name: "gl", Client: client, Project: "payments/api", Token: token, Insecure: true})
	assets, err := src.List(context.Background())
	if err != nil || len(assets) != 1 {
		t.Fatalf("%+v %v", assets, err)
	}
	if at := assets[0].PushedAt; at == nil || !at.Equal(pushed) {
		t.Errorf("pushed at %v, want %v", at, pushed)
	}

	srv.SetFault("GET /projects/:id/registry/repositories/:repository_id/tags/:tag_name", gitlabdouble.Fault{ErrorRate: 1})
	assets, err = src.List(context.Background())
	if err != nil || len(assets) != 1 || assets[0].PushedAt != nil {
		t.Errorf("with the details failing: %+v %v", assets, err)
	}
}
