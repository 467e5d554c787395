package registry

import (
	"context"
	"fmt"
	"net/http"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Access is how vigil reaches registries. The zero value uses HTTPS, ggcr's
// default transport and no CI variables: the command line hands in the
// process environment (Env: os.Getenv), a library never reads it itself.
type Access struct {
	Insecure  bool              // allow plain-HTTP registries
	Transport http.RoundTripper // nil: ggcr's default
	Env       Getenv            // CS_REGISTRY_*, CI_REGISTRY_*; none when nil
}

func (a Access) env() Getenv {
	if a.Env == nil {
		return func(string) string { return "" }
	}
	return a.Env
}

// NameOptions are the options every reference is parsed with.
func (a Access) NameOptions() []name.Option {
	if a.Insecure {
		return []name.Option{name.Insecure}
	}
	return nil
}

// Reference parses an image reference with the access's name options.
func (a Access) Reference(s string) (name.Reference, error) {
	ref, err := name.ParseReference(s, a.NameOptions()...)
	if err != nil {
		return nil, fmt.Errorf("bad image reference %q: %w", s, err)
	}
	return ref, nil
}

// Repository parses a repository name with the access's name options.
func (a Access) Repository(s string) (name.Repository, error) {
	r, err := name.NewRepository(s, a.NameOptions()...)
	if err != nil {
		return name.Repository{}, fmt.Errorf("bad repository %q: %w", s, err)
	}
	return r, nil
}

// Remote is the one option list for every call to a registry: context,
// credentials chosen per registry, transport, then extra (a platform).
func (a Access) Remote(ctx context.Context, extra ...remote.Option) []remote.Option {
	opts := []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(perRegistry{a.env()})}
	if a.Transport != nil {
		opts = append(opts, remote.WithTransport(a.Transport))
	}
	return append(opts, extra...)
}

// AuthName says which credentials a call to ref uses, for logs and error
// messages; never the secret.
func (a Access) AuthName(ref name.Reference) string {
	_, n := Keychain(ref, a.env())
	return n
}
