// Package oci lists any OCI distribution registry: the catalog (or an
// explicit repository list where the catalog is closed), every tag, and the
// digest each tag points at, with go-containerregistry.
package oci

import (
	"context"
	"net/http"

	"github.com/google/go-containerregistry/pkg/authn"

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
	Keychain     authn.Keychain // authn.DefaultKeychain (the docker config) when nil
	Transport    http.RoundTripper
	Workers      int // requests in flight, 8 when zero
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
	return &Source{cfg: cfg}
}

// Name is the configured name.
func (s *Source) Name() string { return s.cfg.Name }

// Type is "oci".
func (s *Source) Type() string { return "oci" }

// List lists every repository's tags and resolves their digests.
func (s *Source) List(ctx context.Context) ([]inventory.Asset, error) {
	c := s.cfg
	return resolve.Reach{Registry: c.Registry, Repositories: c.Repositories, Insecure: c.Insecure,
		Keychain: c.Keychain, Transport: c.Transport, Workers: c.Workers}.List(ctx)
}
