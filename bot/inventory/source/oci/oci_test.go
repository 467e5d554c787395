package oci_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/random"

	"gitlab.com/vigil-vm/vigil/bot/inventory/source/oci"
	"gitlab.com/vigil-vm/vigil/internal/registrytest"
)

func TestListCatalogTagsAndDigests(t *testing.T) {
	reg := registrytest.New(t)
	img, _ := random.Image(64, 1)
	other, _ := random.Image(64, 1)
	reg.Push(t, "team/api:1.0", img)
	reg.Push(t, "team/api:latest", img)
	reg.Push(t, "team/worker:2.3", other)

	src := oci.New(oci.Config{Name: "local", Registry: reg.Host, Insecure: true, Keychain: authn.NewMultiKeychain()})
	assets, err := src.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	d, _ := img.Digest()
	got := map[string]string{}
	for _, a := range assets {
		got[a.Repository+"@"+a.Digest] = strings.Join(a.Tags, ",")
	}
	if got[reg.Host+"/team/api@"+d.String()] != "1.0,latest" {
		t.Errorf("team/api: want both tags on one digest, got %v", got)
	}
	if len(assets) != 2 {
		t.Errorf("want 2 digests, got %d: %v", len(assets), got)
	}
}

// A closed catalog (401 on /v2/_catalog) is what Docker Hub and most clouds
// answer; explicit repositories are listed instead.
func TestExplicitRepositoriesWhenCatalogClosed(t *testing.T) {
	closed := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/v2/_catalog" {
				http.Error(w, `{"errors":[{"code":"UNAUTHORIZED"}]}`, http.StatusUnauthorized)
				return
			}
			h.ServeHTTP(w, r)
		})
	}
	reg := registrytest.New(t, closed)
	img, _ := random.Image(64, 1)
	reg.Push(t, "team/api:1.0", img)

	if _, err := oci.New(oci.Config{Name: "c", Registry: reg.Host, Insecure: true}).List(context.Background()); err == nil {
		t.Fatal("closed catalog listed without error")
	}
	assets, err := oci.New(oci.Config{Name: "c", Registry: reg.Host, Insecure: true, Repositories: []string{"team/api"}}).List(context.Background())
	if err != nil || len(assets) != 1 || assets[0].Tags[0] != "1.0" {
		t.Fatalf("explicit repository: %v %+v", err, assets)
	}
}

// A registry that answers 503 twice then recovers is retried with backoff.
func TestRetriesUnavailable(t *testing.T) {
	var fails int
	flaky := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/tags/list") && fails < 2 {
				fails++
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			h.ServeHTTP(w, r)
		})
	}
	reg := registrytest.New(t, flaky)
	img, _ := random.Image(64, 1)
	reg.Push(t, "team/api:1.0", img)
	assets, err := oci.New(oci.Config{Name: "f", Registry: reg.Host, Insecure: true}).List(context.Background())
	if err != nil || len(assets) != 1 {
		t.Fatalf("after two 503s: %v %+v", err, assets)
	}
}
