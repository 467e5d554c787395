package image

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
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
