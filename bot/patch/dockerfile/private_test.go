package dockerfile

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"gitlab.com/vigil-vm/vigil/bot/patch"
	vregistry "gitlab.com/vigil-vm/vigil/internal/registry"
	"gitlab.com/vigil-vm/vigil/internal/registrytest"
)

// A base image behind registry auth is bumped with the credentials the
// scanner uses (CS_REGISTRY_USER/CS_REGISTRY_PASSWORD), through the same
// transport; listing its tags anonymously is refused.
func TestUpdatePrivateBaseImage(t *testing.T) {
	reg := registrytest.New(t, func(reg http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if u, p, ok := r.BasicAuth(); !ok || u != "ci" || p != "s3cret" {
				w.Header().Set("WWW-Authenticate", `Basic realm="private"`)
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
			reg.ServeHTTP(w, r)
		})
	})
	host := reg.Host
	for _, tag := range []string{"3.19.1", "3.19.4"} {
		img, err := random.Image(64, 1)
		if err != nil {
			t.Fatal(err)
		}
		reg.Push(t, "team/base:"+tag, img, remote.WithAuth(&authn.Basic{Username: "ci", Password: "s3cret"}))
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM "+host+"/team/base:3.19.1\nRUN true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_CONFIG", t.TempDir()) // no ambient credentials

	env := map[string]string{"CS_REGISTRY_USER": "ci", "CS_REGISTRY_PASSWORD": "s3cret"}
	creds := vregistry.Access{Insecure: true, Env: func(k string) string { return env[k] }}
	r, err := patch.Apply(context.Background(), New(Options{Registry: creds}), dir, osFix())
	if err != nil {
		t.Fatal(err)
	}
	if got := string(r.Change.Files["Dockerfile"]); !strings.Contains(got, "FROM "+host+"/team/base:3.19.4\n") {
		t.Errorf("Dockerfile = %q (%v %s), want the private base image bumped to 3.19.4", got, r.Status, r.Reason)
	}

	anonymous := vregistry.Access{Insecure: true, Env: func(string) string { return "" }}
	if _, err := patch.Apply(context.Background(), New(Options{Registry: anonymous}), dir, osFix()); err == nil || !strings.Contains(err.Error(), "list tags") {
		t.Errorf("anonymous Update error = %v, want the tag listing refused", err)
	}
}
