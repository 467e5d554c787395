package resolve

import (
	"context"
	"fmt"
	"net/http"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"

	"gitlab.com/vigil-vm/vigil/bot/inventory"
)

// Reach is how a registry source reaches its registry by name; the OCI and
// ACR sources differ only in the keychain they hand in.
type Reach struct {
	Registry     string // host[:port]
	Repositories []string
	Insecure     bool
	Keychain     authn.Keychain
	Transport    http.RoundTripper
	Workers      int
}

// List lists the registry r names, as Registry does.
func (r Reach) List(ctx context.Context) ([]inventory.Asset, error) {
	var nopts []name.Option
	if r.Insecure {
		nopts = append(nopts, name.Insecure)
	}
	reg, err := name.NewRegistry(r.Registry, nopts...)
	if err != nil {
		return nil, fmt.Errorf("bad registry %q: %w", r.Registry, err)
	}
	return Registry(ctx, reg, r.Repositories, NewLimit(r.Workers), Options(r.Keychain, r.Transport)...)
}
