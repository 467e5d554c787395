package gitlabdouble

import (
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/random"
	gitlab "gitlab.com/gitlab-org/api/client-go"

	"gitlab.com/vigil-vm/vigil/internal/registrytest"
)

func TestContainerRegistryThroughClientGo(t *testing.T) {
	reg := registrytest.New(t)
	srv := NewTest(t, WithContainerRegistry(reg.Host))
	user, token := srv.AddUser("vigil-bot", NoAccess)
	app := srv.AddProject(ProjectSpec{Path: "acme/app", Members: map[int]AccessLevel{user.ID: Reporter}})
	srv.AddProject(ProjectSpec{Path: "acme/hidden"})
	img, _ := random.Image(128, 2)
	reg.Push(t, "acme/app:1.0", img)
	reg.Push(t, "acme/app:latest", img)
	reg.Push(t, "acme/app/worker:2.0", img)
	reg.Push(t, "acme/hidden:1.0", img) // no access: never listed
	reg.Push(t, "orphan/x:1.0", img)    // no project: not GitLab's
	c := newClient(t, srv, token)

	repos, err := gitlab.ScanAndCollect(func(p gitlab.PaginationOptionFunc) ([]*gitlab.RegistryRepository, *gitlab.Response, error) {
		return c.ContainerRegistry.ListGroupRegistryRepositories("acme", &gitlab.ListGroupRegistryRepositoriesOptions{ListOptions: gitlab.ListOptions{PerPage: 1}}, p)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(repos) != 2 || repos[0].Path != "acme/app" || repos[1].Name != "worker" || repos[1].ProjectID != int64(app.ID) {
		t.Fatalf("group repositories: %v", repos)
	}
	if repos[0].Location != reg.Host+"/acme/app" {
		t.Errorf("location %q", repos[0].Location)
	}

	tags, _, err := c.ContainerRegistry.ListRegistryRepositoryTags(app.ID, repos[0].ID, nil)
	if err != nil || len(tags) != 2 || tags[0].Name != "1.0" || tags[1].Location != reg.Host+"/acme/app:latest" {
		t.Fatalf("tags: %v %v", err, tags)
	}
	detail, _, err := c.ContainerRegistry.GetRegistryRepositoryTagDetail(app.ID, repos[0].ID, "1.0")
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := img.Digest(); detail.Digest != d.String() || detail.TotalSize == 0 {
		t.Errorf("tag detail: %v", detail)
	}
	if _, resp, err := c.ContainerRegistry.ListRegistryRepositoryTags(app.ID, 999, nil); err == nil || resp.StatusCode != 404 {
		t.Errorf("unknown repository: %v", err)
	}
	project, _, err := c.ContainerRegistry.ListProjectRegistryRepositories(app.ID, &gitlab.ListProjectRegistryRepositoriesOptions{TagsCount: gitlab.Ptr(true)})
	if err != nil || len(project) != 2 || project[0].TagsCount != 2 {
		t.Fatalf("project repositories: %v %v", err, project)
	}
}
