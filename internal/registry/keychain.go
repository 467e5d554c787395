package registry

import (
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
)

// Getenv reads an environment variable; os.Getenv in production.
type Getenv func(string) string

// Keychain picks registry credentials the way GitLab's container scanning
// does: CS_REGISTRY_USER/CS_REGISTRY_PASSWORD first, then the job's
// CI_REGISTRY_USER/CI_REGISTRY_PASSWORD when the image lives on CI_REGISTRY,
// then the docker config and ggcr's default keychain. The returned name says
// which was chosen (never the secret) so the job log can show it.
func Keychain(ref name.Reference, env Getenv) (authn.Keychain, string) {
	return choose(ref.Context().RegistryStr(), env)
}

func choose(registry string, env Getenv) (authn.Keychain, string) {
	if u, p := env("CS_REGISTRY_USER"), env("CS_REGISTRY_PASSWORD"); u != "" && p != "" {
		return static(u, p), "CS_REGISTRY_USER"
	}
	if u, p, r := env("CI_REGISTRY_USER"), env("CI_REGISTRY_PASSWORD"), env("CI_REGISTRY"); u != "" && p != "" && sameRegistry(r, registry) {
		return static(u, p), "CI_REGISTRY_USER"
	}
	return authn.DefaultKeychain, "docker config"
}

// perRegistry is Keychain for calls that reach several registries with one
// option list: it chooses again for each registry it is asked about.
type perRegistry struct{ env Getenv }

func (k perRegistry) Resolve(r authn.Resource) (authn.Authenticator, error) {
	kc, _ := choose(r.RegistryStr(), k.env)
	return kc.Resolve(r)
}

func sameRegistry(ciRegistry, registry string) bool {
	if ciRegistry == "" {
		return false
	}
	r, err := name.NewRegistry(strings.TrimSuffix(ciRegistry, "/"), name.WeakValidation)
	if err != nil {
		return false
	}
	return r.RegistryStr() == registry
}

type staticKeychain struct{ auth authn.Authenticator }

func (k staticKeychain) Resolve(authn.Resource) (authn.Authenticator, error) { return k.auth, nil }

func static(user, pass string) authn.Keychain {
	return staticKeychain{auth: &authn.Basic{Username: user, Password: pass}}
}
