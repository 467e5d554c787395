// Package oci lists any OCI distribution registry: the catalog (or an
// explicit repository list where the catalog is closed), every tag, and the
// digest each tag points at, with go-containerregistry.
package oci

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"gitlab.com/vigil-vm/vigil/bot/inventory"
	"gitlab.com/vigil-vm/vigil/bot/inventory/internal/resolve"
)

// Config names a registry and how to reach it.
type Config struct {
	Name     string
	Registry string // host[:port]
	// Repositories are listed instead of the catalog, for registries whose
	// catalog is closed (Docker Hub, most clouds' without admin rights).
	Repositories []string
	Insecure     bool           // plain HTTP, for loopback registries
	Keychain     authn.Keychain // authn.DefaultKeychain when nil
	Transport    http.RoundTripper
	Workers      int // concurrent requests, 8 when zero
	// SourceType overrides Type for platforms speaking plain OCI (acr).
	SourceType string
}

// Source is an OCI registry.
type Source struct{ cfg Config }

// New returns the source of cfg.
func New(cfg Config) *Source {
	if cfg.Keychain == nil {
		cfg.Keychain = authn.DefaultKeychain
	}
	if cfg.Workers < 1 {
		cfg.Workers = 8
	}
	if cfg.SourceType == "" {
		cfg.SourceType = "oci"
	}
	return &Source{cfg: cfg}
}

// Name is the configured name.
func (s *Source) Name() string { return s.cfg.Name }

// Type is "oci" unless the config says otherwise.
func (s *Source) Type() string { return s.cfg.SourceType }

// List lists every repository's tags and resolves their digests. A
// repository that fails is reported in the error and the others are still
// listed.
func (s *Source) List(ctx context.Context) ([]inventory.Asset, error) {
	var nopts []name.Option
	if s.cfg.Insecure {
		nopts = append(nopts, name.Insecure)
	}
	reg, err := name.NewRegistry(s.cfg.Registry, nopts...)
	if err != nil {
		return nil, fmt.Errorf("bad registry %q: %w", s.cfg.Registry, err)
	}
	opts := append(resolve.Options(s.cfg.Keychain, s.cfg.Transport), remote.WithContext(ctx))
	repos := s.cfg.Repositories
	if len(repos) == 0 {
		if repos, err = remote.Catalog(ctx, reg, opts...); err != nil {
			return nil, fmt.Errorf("catalog of %s: %w", reg, err)
		}
	}
	lim := resolve.NewLimit(s.cfg.Workers)
	got := make([][]inventory.Asset, len(repos))
	errs := make([]error, len(repos))
	var wg sync.WaitGroup
	for i, r := range repos {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = repository(ctx, reg.Repo(r), lim, opts)
		}()
	}
	wg.Wait()
	return slices.Concat(got...), errors.Join(errs...)
}

func repository(ctx context.Context, repo name.Repository, lim resolve.Limit, opts []remote.Option) ([]inventory.Asset, error) {
	var tags []string
	var err error
	lim.Do(func() { tags, err = remote.List(repo, opts...) })
	if err != nil {
		return nil, fmt.Errorf("tags of %s: %w", repo, err)
	}
	return resolve.Tags(ctx, repo, tags, lim, opts...)
}
