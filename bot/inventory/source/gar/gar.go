// Package gar lists Google Artifact Registry and Container Registry with
// go-containerregistry's pkg/v1/google: Walk follows the tags-list
// extension from a root through every child repository, and each answer
// already carries every digest with its tags and upload time, so no
// manifest is fetched.
package gar

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/google"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"gitlab.com/vigil-vm/vigil/bot/inventory"
)

// Config names the roots to walk.
type Config struct {
	Name string
	// Roots are repositories to walk, e.g. "europe-docker.pkg.dev/acme-prod/images"
	// or "gcr.io/acme-prod".
	Roots     []string
	Insecure  bool           // plain HTTP, for loopback tests
	Keychain  authn.Keychain // google.Keychain (gcloud, application default credentials) when nil
	Transport http.RoundTripper
}

// Source is a set of Artifact Registry or GCR roots.
type Source struct{ cfg Config }

// New returns the source of cfg.
func New(cfg Config) *Source {
	if cfg.Keychain == nil {
		cfg.Keychain = google.Keychain
	}
	if cfg.Transport == nil {
		cfg.Transport = http.DefaultTransport
	}
	// The google lister has no retries of its own: 429 and 5xx are asked
	// again with backoff here.
	cfg.Transport = transport.NewRetry(cfg.Transport,
		transport.WithRetryStatusCodes(http.StatusTooManyRequests, http.StatusInternalServerError,
			http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout))
	return &Source{cfg: cfg}
}

// Name is the configured name.
func (s *Source) Name() string { return s.cfg.Name }

// Type is "gar".
func (s *Source) Type() string { return "gar" }

// List walks every root; a root that fails leaves the others listed.
func (s *Source) List(ctx context.Context) ([]inventory.Asset, error) {
	var assets []inventory.Asset
	var errs []error
	for _, root := range s.cfg.Roots {
		got, err := s.walk(ctx, root)
		assets = append(assets, got...)
		if err != nil {
			errs = append(errs, err)
		}
	}
	return assets, errors.Join(errs...)
}

func (s *Source) walk(ctx context.Context, root string) ([]inventory.Asset, error) {
	var nopts []name.Option
	if s.cfg.Insecure {
		nopts = append(nopts, name.Insecure)
	}
	repo, err := name.NewRepository(root, nopts...)
	if err != nil {
		return nil, fmt.Errorf("bad root %q: %w", root, err)
	}
	var assets []inventory.Asset
	err = google.Walk(repo, func(r name.Repository, tags *google.Tags, err error) error {
		if err != nil {
			return fmt.Errorf("tags of %s: %w", r, err)
		}
		assets = append(assets, manifests(r, tags)...)
		return nil
	}, google.WithContext(ctx), google.WithAuthFromKeychain(s.cfg.Keychain), google.WithTransport(s.cfg.Transport))
	if err != nil {
		return assets, fmt.Errorf("walk %s: %w", root, err)
	}
	return assets, nil
}

func manifests(r name.Repository, tags *google.Tags) []inventory.Asset {
	out := make([]inventory.Asset, 0, len(tags.Manifests))
	for digest, m := range tags.Manifests {
		a := inventory.Asset{Kind: inventory.KindRegistry, Repository: r.Name(), Digest: digest,
			Tags: append([]string(nil), m.Tags...), MediaType: m.MediaType}
		if !m.Uploaded.IsZero() {
			up := m.Uploaded.UTC()
			a.PushedAt = &up
		}
		sort.Strings(a.Tags)
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Digest < out[j].Digest })
	return out
}
