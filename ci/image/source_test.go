package image

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

func TestParseInput(t *testing.T) {
	for _, tc := range []struct {
		in, kind, ref, err string
	}{
		{in: "alpine:3.19", kind: KindRegistry, ref: "alpine:3.19"},
		{in: "registry:docker:27", kind: KindRegistry, ref: "docker:27"},
		// grype's schemes: docker: is the local engine, not Docker Hub's library/docker image.
		{in: "docker:app:dev", kind: KindDocker, ref: "app:dev"},
		{in: "podman:localhost/app", kind: KindPodman, ref: "localhost/app"},
		{in: "oci-dir:./out", kind: KindOCILayout, ref: "./out"},
		{in: "oci-layout:./out", kind: KindOCILayout, ref: "./out"},
		{in: "docker-archive:app.tar", kind: KindDockerArchive, ref: "app.tar"},
		{in: "dir:/srv", kind: KindDir, ref: "/srv"},
		{in: "sbom:app.cdx.json", kind: KindSBOM, ref: "app.cdx.json"},
		{in: " alpine ", kind: KindRegistry, ref: "alpine"},
		{in: "", err: "no image to scan"},
		{in: "oci-dir:", err: "missing a path"},
		{in: "docker:", err: "missing an image reference"},
		{in: "oci-archive:app.tar", err: "oci-dir:DIR"},
	} {
		got, err := ParseInput(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseInput(%q) error %v, want one saying %q", tc.in, err, tc.err)
			}
			if err != nil && strings.Contains(err.Error(), "--") {
				t.Errorf("library error names a CLI flag: %v", err)
			}
			continue
		}
		if err != nil || got.Kind != tc.kind || got.Ref != tc.ref {
			t.Errorf("ParseInput(%q) = %+v, %v; want %s %q", tc.in, got, err, tc.kind, tc.ref)
		}
	}
	if _, err := ParseInput(""); !errors.Is(err, ErrNoImage) {
		t.Errorf("empty target: %v, want ErrNoImage", err)
	}
}

func FuzzParseInput(f *testing.F) {
	for _, s := range []string{"alpine", "docker:x", "oci-dir:", "sbom:a", "registry:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		in, err := ParseInput(s)
		if err == nil && in.Ref == "" {
			t.Errorf("ParseInput(%q) accepted an empty reference", s)
		}
	})
}

// TestDaemonWithoutEngine: docker: on a runner without a Docker socket says
// so and what to do, instead of a pull error from Docker Hub.
func TestDaemonWithoutEngine(t *testing.T) {
	sock := "unix://" + filepath.Join(t.TempDir(), "docker.sock")
	in, _ := ParseInput("docker:app:dev")
	_, err := Acquire(context.Background(), in, Options{DaemonHost: sock})
	if err == nil || !strings.Contains(err.Error(), "no Docker engine answers at "+sock) || !strings.Contains(err.Error(), "docker-archive:") {
		t.Fatalf("error %v: want it to name the socket and the docker-archive: way out", err)
	}
}

// fakeEngine speaks the part of the Docker Engine API go-containerregistry's
// daemon package uses (ping, image inspect, image save) on a unix socket,
// counting the exports (image saves) in exports.
func fakeEngine(t *testing.T, ref name.Tag, img v1.Image, exports *atomic.Int32) string {
	t.Helper()
	var saved bytes.Buffer
	if err := tarball.Write(ref, img, &saved); err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	id, _ := img.ConfigName()
	sock := filepath.Join(t.TempDir(), "docker.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Api-Version", "1.47")
		switch p := r.URL.Path; {
		case strings.HasSuffix(p, "/_ping"):
			_, _ = w.Write([]byte("OK"))
		case strings.HasSuffix(p, "/images/get"):
			exports.Add(1)
			_, _ = w.Write(saved.Bytes())
		case strings.HasSuffix(p, "/images/"+ref.String()+"/json"):
			_ = json.NewEncoder(w).Encode(map[string]any{"Id": id.String(), "RepoTags": []string{ref.String()},
				"Os": cf.OS, "Architecture": cf.Architecture, "Config": map[string]any{}})
		default:
			http.NotFound(w, r)
		}
	})}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "unix://" + sock
}

// TestDaemonImage: docker:REF reads the image the engine has, under the name
// it has there, without any registry; the engine exports it once however
// many layers are read, and nothing is left in the temporary directory
// (a shell runner's /tmp would fill with image-sized tars).
func TestDaemonImage(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	img, err := random.Image(512, 2)
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := name.NewTag("registry.example/group/app:dev")
	var exports atomic.Int32
	host := fakeEngine(t, ref, img, &exports)
	in, _ := ParseInput("docker:registry.example/group/app:dev")
	got, err := Acquire(context.Background(), in, Options{DaemonHost: host})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := img.Digest()
	if got.Digest != want.String() || got.Repository != "registry.example/group/app" || len(got.Tags) != 1 || got.Tags[0] != "dev" {
		t.Errorf("got %s %s %v, want %s registry.example/group/app [dev]", got.Digest, got.Repository, got.Tags, want)
	}
	layers, err := got.Layers()
	if err != nil || len(layers) != 2 {
		t.Fatalf("layers %d, %v", len(layers), err)
	}
	wantLayers, _ := img.Layers()
	for i, l := range layers {
		rc, err := l.Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		d, _, err := v1.SHA256(rc)
		rc.Close()
		if w, _ := wantLayers[i].DiffID(); err != nil || d != w {
			t.Errorf("layer %d reads as %s (%v), want %s", i, d, err, w)
		}
	}
	if n := exports.Load(); n != 1 {
		t.Errorf("the engine exported the image %d times, want once", n)
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("left in the temporary directory: %v", left)
	}
}
