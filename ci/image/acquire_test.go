package image

import (
	"context"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

func env(kv ...string) Getenv {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

// serve runs a real registry; with user set, it demands basic auth.
func serve(t *testing.T, user, pass string) string {
	t.Helper()
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); user != "" && (!ok || u != user || p != pass) {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		reg.ServeHTTP(w, r)
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func push(t *testing.T, ref string, img v1.Image, opts ...remote.Option) {
	t.Helper()
	r, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, img, opts...); err != nil {
		t.Fatal(err)
	}
}

func withPlatform(t *testing.T, img v1.Image, os, arch string) v1.Image {
	cf, _ := img.ConfigFile()
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = os, arch
	out, err := mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestAcquireRegistry(t *testing.T) {
	host := serve(t, "", "")
	img, _ := random.Image(512, 2)
	push(t, host+"/group/app:v1", img)
	want, _ := img.Digest()

	got, err := Acquire(context.Background(), Input{Kind: KindRegistry, Ref: host + "/group/app:v1"}, Options{Insecure: true, Env: env()})
	if err != nil {
		t.Fatal(err)
	}
	if got.Repository != host+"/group/app" || got.Digest != want.String() || got.Tags[0] != "v1" {
		t.Fatalf("got repo=%s digest=%s tags=%v", got.Repository, got.Digest, got.Tags)
	}
}

func TestAcquirePicksPlatformFromIndex(t *testing.T) {
	host := serve(t, "", "")
	amd := withPlatform(t, mustRandom(t), "linux", "amd64")
	arm := withPlatform(t, mustRandom(t), "linux", "arm64")
	idx := mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: amd, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
		mutate.IndexAddendum{Add: arm, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64"}}},
	)
	r, _ := name.ParseReference(host+"/multi:latest", name.Insecure)
	if err := remote.WriteIndex(r, idx); err != nil {
		t.Fatal(err)
	}
	for plat, img := range map[string]v1.Image{"": amd, "linux/arm64": arm} {
		got, err := Acquire(context.Background(), Input{Kind: KindRegistry, Ref: host + "/multi:latest"}, Options{Insecure: true, Platform: plat, Env: env()})
		if err != nil {
			t.Fatal(err)
		}
		want, _ := img.Digest()
		idxDigest, _ := idx.Digest()
		if got.Digest != want.String() || got.Index != idxDigest.String() {
			t.Errorf("platform %q: digest %s index %s, want %s from %s", plat, got.Digest, got.Index, want, idxDigest)
		}
	}
}

func mustRandom(t *testing.T) v1.Image {
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestAcquireAuthSelection(t *testing.T) {
	host := serve(t, "scanner", "s3cret")
	img := mustRandom(t)
	push(t, host+"/private:v1", img, remote.WithAuth(&authnBasic{"scanner", "s3cret"}))
	ref := Input{Kind: KindRegistry, Ref: host + "/private:v1"}

	for _, tc := range []struct {
		name     string
		env      Getenv
		wantAuth string
		wantErr  string
	}{
		{"CS_REGISTRY_USER first", env("CS_REGISTRY_USER", "scanner", "CS_REGISTRY_PASSWORD", "s3cret", "CI_REGISTRY_USER", "x", "CI_REGISTRY_PASSWORD", "y", "CI_REGISTRY", host), "CS_REGISTRY_USER", ""},
		{"CI job token on CI_REGISTRY", env("CI_REGISTRY_USER", "scanner", "CI_REGISTRY_PASSWORD", "s3cret", "CI_REGISTRY", host), "CI_REGISTRY_USER", ""},
		{"CI job token not sent to another registry", env("CI_REGISTRY_USER", "scanner", "CI_REGISTRY_PASSWORD", "s3cret", "CI_REGISTRY", "registry.gitlab.example"), "", "refused access"},
		{"wrong password", env("CS_REGISTRY_USER", "scanner", "CS_REGISTRY_PASSWORD", "nope"), "", "set CS_REGISTRY_USER and CS_REGISTRY_PASSWORD"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("DOCKER_CONFIG", t.TempDir()) // no ambient docker credentials
			got, err := Acquire(context.Background(), ref, Options{Insecure: true, Env: tc.env})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "s3cret") {
					t.Fatal("error leaks the password")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Auth != tc.wantAuth {
				t.Fatalf("auth = %s, want %s", got.Auth, tc.wantAuth)
			}
		})
	}
}

func TestAcquireErrors(t *testing.T) {
	host := serve(t, "", "")
	for _, tc := range []struct {
		in      Input
		opts    Options
		wantErr string
	}{
		{Input{Kind: KindRegistry, Ref: host + "/missing:v1"}, Options{Insecure: true}, "not found in registry"},
		{Input{Kind: KindRegistry, Ref: "UPPER CASE"}, Options{}, "bad image reference"},
		{Input{Kind: KindOCILayout, Ref: t.TempDir()}, Options{}, "read OCI layout"},
		{Input{Kind: KindDockerArchive, Ref: filepath.Join(t.TempDir(), "nope.tar")}, Options{}, "docker archive"},
		{Input{Kind: KindRegistry, Ref: host + "/x:v1"}, Options{Platform: "linux/amd64/v8/extra"}, "bad platform"},
	} {
		tc.opts.Env = env()
		_, err := Acquire(context.Background(), tc.in, tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("%s: err = %v, want %q", tc.in, err, tc.wantErr)
		}
	}
}

func TestAcquireLayoutAndArchive(t *testing.T) {
	img := withPlatform(t, mustRandom(t), "linux", "amd64")
	want, _ := img.Digest()

	dir := t.TempDir()
	lp, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := lp.AppendImage(img, layout.WithAnnotations(map[string]string{refNameAnnotation: "registry.example/team/app:1.2"})); err != nil {
		t.Fatal(err)
	}
	got, err := Acquire(context.Background(), Input{Kind: KindOCILayout, Ref: dir}, Options{Env: env()})
	if err != nil {
		t.Fatal(err)
	}
	if got.Digest != want.String() || got.Repository != "registry.example/team/app" || got.Tags[0] != "1.2" {
		t.Fatalf("layout: %s %s %v", got.Digest, got.Repository, got.Tags)
	}

	tarPath := filepath.Join(t.TempDir(), "app.tar")
	tag, _ := name.NewTag("registry.example/team/app:2.0")
	if err := tarball.WriteToFile(tarPath, tag, img); err != nil {
		t.Fatal(err)
	}
	got, err = Acquire(context.Background(), Input{Kind: KindDockerArchive, Ref: tarPath}, Options{Env: env(), CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if got.Repository != "registry.example/team/app" || got.Tags[0] != "2.0" || got.Platform != "linux/amd64" {
		t.Fatalf("archive: %s %v %s", got.Repository, got.Tags, got.Platform)
	}
}
