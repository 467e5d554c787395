package gar_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/google"

	"gitlab.com/vigil-vm/vigil/bot/inventory/source/gar"
	"gitlab.com/vigil-vm/vigil/internal/gartest"
)

func TestWalkChildren(t *testing.T) {
	srv := gartest.New(t)
	up := time.Date(2026, 10, 1, 8, 0, 0, 0, time.UTC)
	srv.Add("acme-prod/images/api", "sha256:"+strings.Repeat("1", 64), google.ManifestInfo{Tags: []string{"v2", "prod"}, Uploaded: up, MediaType: "application/vnd.oci.image.index.v1+json"})
	srv.Add("acme-prod/images/api", "sha256:"+strings.Repeat("2", 64), google.ManifestInfo{Uploaded: up})
	srv.Add("acme-prod/images/tools/migrate", "sha256:"+strings.Repeat("3", 64), google.ManifestInfo{Tags: []string{"1"}, Uploaded: up})

	src := gar.New(gar.Config{Name: "gcp", Roots: []string{srv.Host + "/acme-prod/images"}, Insecure: true, Keychain: authn.NewMultiKeychain()})
	assets, err := src.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, a := range assets {
		got[strings.TrimPrefix(a.Repository, srv.Host+"/")+"@"+a.Digest[7:8]] = strings.Join(a.Tags, ",")
		if a.PushedAt == nil || !a.PushedAt.Equal(up) {
			t.Errorf("%s: upload time lost: %v", a.Repository, a.PushedAt)
		}
	}
	want := map[string]string{"acme-prod/images/api@1": "prod,v2", "acme-prod/images/api@2": "", "acme-prod/images/tools/migrate@3": "1"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if tags, ok := got[k]; !ok || tags != v {
			t.Errorf("%s: got %q (present %v), want %q", k, tags, ok, v)
		}
	}
}

func TestFailedRootIsAnError(t *testing.T) {
	srv := gartest.New(t)
	srv.Add("acme/images/api", "sha256:"+strings.Repeat("1", 64), google.ManifestInfo{})
	srv.Fail("acme/images", http.StatusForbidden)
	_, err := gar.New(gar.Config{Name: "gcp", Roots: []string{srv.Host + "/acme/images"}, Insecure: true}).List(context.Background())
	if err == nil || !strings.Contains(err.Error(), "DENIED") {
		t.Fatalf("want the denial in the error, got %v", err)
	}
}
