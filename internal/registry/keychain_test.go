package registry

import (
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
)

func envOf(kv ...string) Getenv {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

// One option list reaches several registries (a Dockerfile's base image
// on Docker Hub, the team's on GitLab): the job's CI_REGISTRY credentials
// go only to CI_REGISTRY, the scanner's CS_REGISTRY ones everywhere.
func TestPerRegistryKeychain(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	ci := envOf("CI_REGISTRY_USER", "gitlab-ci-token", "CI_REGISTRY_PASSWORD", "job-token", "CI_REGISTRY", "registry.gitlab.example")
	cs := envOf("CS_REGISTRY_USER", "scanner", "CS_REGISTRY_PASSWORD", "s3cret")
	for _, tc := range []struct {
		env      Getenv
		registry string
		want     string // user name sent, "" for anonymous
	}{
		{ci, "registry.gitlab.example", "gitlab-ci-token"},
		{ci, "index.docker.io", ""},
		{cs, "index.docker.io", "scanner"},
	} {
		reg, err := name.NewRegistry(tc.registry)
		if err != nil {
			t.Fatal(err)
		}
		a, err := perRegistry{tc.env}.Resolve(reg)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := a.Authorization()
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Username != tc.want || (tc.want == "" && a != authn.Anonymous) {
			t.Errorf("%s: user %q, want %q", tc.registry, cfg.Username, tc.want)
		}
	}
}
