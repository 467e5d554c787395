// Package gitlab lists a GitLab group's or project's container registry
// through client-go's ContainerRegistry service, resolving each tag's digest
// with go-containerregistry; the owner of every image is the project whose
// registry holds it.
package gitlab

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	gl "gitlab.com/gitlab-org/api/client-go"

	"gitlab.com/vigil-vm/vigil/bot/inventory"
	"gitlab.com/vigil-vm/vigil/bot/inventory/internal/resolve"
)

// Config names what to list and how to reach it.
type Config struct {
	Name    string
	Client  *gl.Client // retries 429 and 5xx with backoff (client-go's default)
	Group   string     // full path or id; or
	Project string     // full path or id
	// Token and RegistryUser log in to the registry (a token with
	// read_registry); the token is never logged or put in an error.
	Token, RegistryUser string
	Insecure            bool // plain-HTTP registry, for loopback tests
	Transport           http.RoundTripper
	Workers             int
}

// Source is a GitLab container registry.
type Source struct{ cfg Config }

// New returns the source of cfg.
func New(cfg Config) *Source {
	if cfg.RegistryUser == "" {
		cfg.RegistryUser = "vigil"
	}
	if cfg.Workers < 1 {
		cfg.Workers = 8
	}
	return &Source{cfg: cfg}
}

// Name is the configured name.
func (s *Source) Name() string { return s.cfg.Name }

// Type is "gitlab".
func (s *Source) Type() string { return "gitlab" }

// List lists every repository and tag, and resolves the tags' digests.
func (s *Source) List(ctx context.Context) ([]inventory.Asset, error) {
	repos, err := s.repositories(ctx)
	if err != nil {
		return nil, err
	}
	lim := resolve.NewLimit(s.cfg.Workers)
	var assets []inventory.Asset
	var errs []error
	for _, repo := range repos {
		got, err := s.repository(ctx, repo, lim)
		assets = append(assets, got...)
		if err != nil {
			errs = append(errs, err)
		}
	}
	return assets, errors.Join(errs...)
}

func (s *Source) repositories(ctx context.Context) ([]*gl.RegistryRepository, error) {
	opts := gl.ListOptions{PerPage: 100}
	if s.cfg.Group != "" {
		repos, err := gl.ScanAndCollect(func(p gl.PaginationOptionFunc) ([]*gl.RegistryRepository, *gl.Response, error) {
			return s.cfg.Client.ContainerRegistry.ListGroupRegistryRepositories(s.cfg.Group,
				&gl.ListGroupRegistryRepositoriesOptions{ListOptions: opts}, p, gl.WithContext(ctx))
		})
		if err != nil {
			return nil, fmt.Errorf("registry repositories of group %s: %w", s.cfg.Group, err)
		}
		return repos, nil
	}
	repos, err := gl.ScanAndCollect(func(p gl.PaginationOptionFunc) ([]*gl.RegistryRepository, *gl.Response, error) {
		return s.cfg.Client.ContainerRegistry.ListProjectRegistryRepositories(s.cfg.Project,
			&gl.ListProjectRegistryRepositoriesOptions{ListOptions: opts}, p, gl.WithContext(ctx))
	})
	if err != nil {
		return nil, fmt.Errorf("registry repositories of project %s: %w", s.cfg.Project, err)
	}
	return repos, nil
}

func (s *Source) repository(ctx context.Context, repo *gl.RegistryRepository, lim resolve.Limit) ([]inventory.Asset, error) {
	tags, err := gl.ScanAndCollect(func(p gl.PaginationOptionFunc) ([]*gl.RegistryRepositoryTag, *gl.Response, error) {
		return s.cfg.Client.ContainerRegistry.ListRegistryRepositoryTags(repo.ProjectID, repo.ID,
			&gl.ListRegistryRepositoryTagsOptions{ListOptions: gl.ListOptions{PerPage: 100}}, p, gl.WithContext(ctx))
	})
	if err != nil {
		return nil, fmt.Errorf("tags of %s: %w", repo.Path, err)
	}
	var nopts []name.Option
	if s.cfg.Insecure {
		nopts = append(nopts, name.Insecure)
	}
	ref, err := name.NewRepository(repo.Location, nopts...)
	if err != nil {
		return nil, fmt.Errorf("bad registry location %q: %w", repo.Location, err)
	}
	names := make([]string, 0, len(tags))
	for _, t := range tags {
		names = append(names, t.Name)
	}
	keychain := registryLogin{host: ref.RegistryStr(), auth: &authn.Basic{Username: s.cfg.RegistryUser, Password: s.cfg.Token}}
	assets, err := resolve.Tags(ctx, ref, names, lim, resolve.Options(keychain, s.cfg.Transport)...)
	owner := strings.TrimSuffix(strings.TrimSuffix(repo.Path, repo.Name), "/")
	for i := range assets {
		assets[i].Owner = owner
	}
	s.addPushTimes(ctx, repo, assets, lim)
	return assets, err
}

// registryLogin gives the GitLab token to GitLab's registry and to nothing
// else.
type registryLogin struct {
	host string
	auth authn.Authenticator
}

func (k registryLogin) Resolve(r authn.Resource) (authn.Authenticator, error) {
	if r.RegistryStr() == k.host {
		return k.auth, nil
	}
	return authn.Anonymous, nil
}
