// Package acr lists Azure Container Registry through its OCI distribution
// API (catalog and tags with go-containerregistry), logging in with
// docker-credential-acr-env: a service principal or workload identity from
// the AZURE_* environment, exchanged for an ACR refresh token.
package acr

import (
	"context"
	"net/http"

	"github.com/chrismellard/docker-credential-acr-env/pkg/credhelper"
	"github.com/google/go-containerregistry/pkg/authn"

	"gitlab.com/vigil-vm/vigil/bot/inventory"
	"gitlab.com/vigil-vm/vigil/bot/inventory/internal/resolve"
)

// Config names a registry ("acme.azurecr.io").
type Config struct {
	Name     string
	Registry string
	// Repositories are listed instead of the catalog, for identities
	// without the catalog permission (AcrPull alone lacks it).
	Repositories []string
	Insecure     bool           // plain HTTP, for loopback tests
	Keychain     authn.Keychain // Keychain() when nil
	Transport    http.RoundTripper
	Workers      int // requests in flight, 8 when zero
}

// Keychain logs in to *.azurecr.io (and the sovereign clouds' hosts) from
// the environment; any other host is anonymous.
func Keychain() authn.Keychain {
	return authn.NewKeychainFromHelper(credhelper.NewACRCredentialsHelper())
}

// Source is an Azure Container Registry.
type Source struct{ cfg Config }

// New returns the source of cfg.
func New(cfg Config) *Source {
	if cfg.Keychain == nil {
		cfg.Keychain = Keychain()
	}
	if cfg.Workers < 1 {
		cfg.Workers = 8
	}
	return &Source{cfg: cfg}
}

// Name is the configured name.
func (s *Source) Name() string { return s.cfg.Name }

// Type is "acr".
func (s *Source) Type() string { return "acr" }

// List lists every repository's tags and resolves their digests.
func (s *Source) List(ctx context.Context) ([]inventory.Asset, error) {
	c := s.cfg
	return resolve.Reach{Registry: c.Registry, Repositories: c.Repositories, Insecure: c.Insecure,
		Keychain: c.Keychain, Transport: c.Transport, Workers: c.Workers}.List(ctx)
}
