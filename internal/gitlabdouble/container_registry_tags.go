package gitlabdouble

import (
	"context"
	"net/http"
	"sort"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// registryRepository resolves :repository_id within the :id project.
func (s *Server) registryRepository(r *request) (RegistryRepository, bool) {
	p, ok := r.project(Reporter)
	if !ok {
		return RegistryRepository{}, false
	}
	id, ok := r.intPath("repository_id", "Repository")
	if !ok {
		return RegistryRepository{}, false
	}
	repos, err := s.registryRepositories(r.r.Context())
	if err != nil {
		r.fail(http.StatusServiceUnavailable, "container registry: "+err.Error())
		return RegistryRepository{}, false
	}
	for _, repo := range repos {
		if repo.ID == id && repo.ProjectID == p.ID {
			return repo, true
		}
	}
	r.notFound("Repository")
	return RegistryRepository{}, false
}

func (s *Server) listRegistryTags(r *request) {
	repo, ok := s.registryRepository(r)
	if !ok {
		return
	}
	tags, err := s.registryTags(r.r.Context(), repo)
	if err != nil {
		r.fail(http.StatusServiceUnavailable, "container registry: "+err.Error())
		return
	}
	r.json(http.StatusOK, paginate(r, tags))
}

// registryTags lists a repository's tags by name, as the tags list does.
func (s *Server) registryTags(ctx context.Context, repo RegistryRepository) ([]RegistryRepositoryTag, error) {
	ref, err := name.NewRepository(repo.Location, name.Insecure)
	if err != nil {
		return nil, err
	}
	names, err := remote.List(ref, remote.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	tags := make([]RegistryRepositoryTag, 0, len(names))
	for _, n := range names {
		tags = append(tags, RegistryRepositoryTag{Name: n, Path: repo.Path + ":" + n, Location: repo.Location + ":" + n})
	}
	return tags, nil
}

// getRegistryTag answers the tag's details: digest of the manifest,
// revision (the config blob's digest), creation time and total size.
func (s *Server) getRegistryTag(r *request) {
	repo, ok := s.registryRepository(r)
	if !ok {
		return
	}
	tag := r.r.PathValue("tag_name")
	ref, err := name.NewTag(repo.Location+":"+tag, name.Insecure)
	if err != nil {
		r.notFound("Tag")
		return
	}
	img, err := remote.Image(ref, remote.WithContext(r.r.Context()))
	if err != nil {
		r.notFound("Tag")
		return
	}
	out, err := tagDetail(img)
	if err != nil {
		r.fail(http.StatusServiceUnavailable, "container registry: "+err.Error())
		return
	}
	out.Name, out.Path, out.Location = tag, repo.Path+":"+tag, repo.Location+":"+tag
	r.json(http.StatusOK, out)
}

func tagDetail(img v1.Image) (RegistryRepositoryTag, error) {
	d, err := img.Digest()
	if err != nil {
		return RegistryRepositoryTag{}, err
	}
	m, err := img.Manifest()
	if err != nil {
		return RegistryRepositoryTag{}, err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return RegistryRepositoryTag{}, err
	}
	size := m.Config.Size
	for _, l := range m.Layers {
		size += l.Size
	}
	created := cfg.Created.UTC()
	return RegistryRepositoryTag{
		Revision: m.Config.Digest.Hex, ShortRevision: m.Config.Digest.Hex[:9], Digest: d.String(),
		CreatedAt: &created, TotalSize: &size,
	}, nil
}
