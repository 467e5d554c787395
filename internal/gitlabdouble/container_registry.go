package gitlabdouble

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// RegistryRepository is a container registry repository as GET
// /projects/:id/registry/repositories shows it.
type RegistryRepository struct {
	ID                     int                     `json:"id"`
	Name                   string                  `json:"name"`
	Path                   string                  `json:"path"`
	ProjectID              int                     `json:"project_id"`
	Location               string                  `json:"location"`
	CreatedAt              time.Time               `json:"created_at"`
	CleanupPolicyStartedAt *time.Time              `json:"cleanup_policy_started_at"`
	Status                 *string                 `json:"status"`
	TagsCount              *int                    `json:"tags_count,omitempty"`
	Tags                   []RegistryRepositoryTag `json:"tags,omitempty"`
}

// RegistryRepositoryTag is a tag as the tags list shows it; the tag
// details endpoint adds the revision, digest, time and size.
type RegistryRepositoryTag struct {
	Name          string     `json:"name"`
	Path          string     `json:"path"`
	Location      string     `json:"location"`
	Revision      string     `json:"revision,omitempty"`
	ShortRevision string     `json:"short_revision,omitempty"`
	Digest        string     `json:"digest,omitempty"`
	CreatedAt     *time.Time `json:"created_at,omitempty"`
	TotalSize     *int64     `json:"total_size,omitempty"`
}

// registryState is the container registry behind the registry API: a real
// registry (ggcr's pkg/registry in tests) whose catalog is the truth, with
// the ids GitLab's database would give each repository it first saw.
type registryState struct {
	host    string // host:port, plain HTTP
	ids     map[string]int
	created map[string]time.Time
}

// WithContainerRegistry makes host (a plain-HTTP registry such as
// internal/registrytest's) the instance's container registry: a repository
// there whose path is a project's path, or below it, is that project's.
func WithContainerRegistry(host string) Option {
	return func(s *Server) {
		s.registry = registryState{host: host, ids: map[string]int{}, created: map[string]time.Time{}}
	}
}

func (s *Server) containerRegistryRoutes() {
	s.route("GET /projects/:id/registry/repositories", func(r *request) {
		p, ok := r.project(Reporter)
		if !ok {
			return
		}
		s.listRegistryRepositories(r, func(q *projectState) bool { return q == p })
	})
	s.route("GET /groups/:id/registry/repositories", func(r *request) {
		group := strings.ToLower(r.r.PathValue("id"))
		s.listRegistryRepositories(r, func(q *projectState) bool {
			ns := strings.ToLower(q.Namespace.FullPath)
			return (ns == group || strings.HasPrefix(ns, group+"/")) && s.accessOf(r.user, q) >= Reporter
		})
	})
	s.route("GET /projects/:id/registry/repositories/:repository_id/tags", s.listRegistryTags)
	s.route("GET /projects/:id/registry/repositories/:repository_id/tags/:tag_name", s.getRegistryTag)
}

// listRegistryRepositories answers with the repositories of the projects
// keep selects, ordered by id as GitLab does.
func (s *Server) listRegistryRepositories(r *request, keep func(*projectState) bool) {
	repos, err := s.registryRepositories(r.r.Context())
	if err != nil {
		r.fail(http.StatusServiceUnavailable, "container registry: "+err.Error())
		return
	}
	withTags, _, _ := r.params.boolean("tags")
	withCount, _, _ := r.params.boolean("tags_count")
	out := []RegistryRepository{}
	for _, repo := range repos {
		if !keep(s.projects[repo.ProjectID]) {
			continue
		}
		if withTags || withCount {
			tags, err := s.registryTags(r.r.Context(), repo)
			if err != nil {
				r.fail(http.StatusServiceUnavailable, "container registry: "+err.Error())
				return
			}
			if withTags {
				repo.Tags = tags
			}
			if withCount {
				n := len(tags)
				repo.TagsCount = &n
			}
		}
		out = append(out, repo)
	}
	r.json(http.StatusOK, paginate(r, out))
}

// registryRepositories reads the registry's catalog and ties every
// repository to the project with the longest path that holds it.
func (s *Server) registryRepositories(ctx context.Context) ([]RegistryRepository, error) {
	if s.registry.host == "" {
		return nil, nil
	}
	reg, err := name.NewRegistry(s.registry.host, name.Insecure)
	if err != nil {
		return nil, err
	}
	paths, err := remote.Catalog(ctx, reg)
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	var out []RegistryRepository
	for _, path := range paths {
		p := s.projectHolding(path)
		if p == nil {
			continue
		}
		if _, seen := s.registry.ids[path]; !seen {
			s.registry.ids[path] = s.ids.next(&s.ids.registry)
			s.registry.created[path] = s.now()
		}
		out = append(out, RegistryRepository{
			ID: s.registry.ids[path], Name: strings.TrimPrefix(strings.TrimPrefix(path, strings.ToLower(p.PathWithNamespace)), "/"),
			Path: path, ProjectID: p.ID, Location: s.registry.host + "/" + path, CreatedAt: s.registry.created[path],
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// projectHolding is the project whose path is repo's path or its longest
// prefix; registry paths are lower case, as GitLab's are.
func (s *Server) projectHolding(repo string) *projectState {
	for path := repo; path != "" && path != "."; {
		if id, ok := s.byPath[path]; ok {
			return s.projects[id]
		}
		i := strings.LastIndex(path, "/")
		if i < 0 {
			return nil
		}
		path = path[:i]
	}
	return nil
}
