package kube

import (
	"strings"
	"testing"
)

// imageID is whatever the container runtime wrote; it must never panic
// and a digest, when found, is what followed the '@'.
func FuzzImageOf(f *testing.F) {
	for _, s := range []string{"docker-pullable://nginx@sha256:abc", "sha256:abc", "docker.io/library/nginx@sha256:abc", "", "@", "://@"} {
		f.Add("nginx:1.27", s)
	}
	f.Fuzz(func(t *testing.T, image, imageID string) {
		_, digest := imageOf(image, imageID)
		if digest != "" && !strings.Contains(imageID+image, "@"+digest) {
			t.Errorf("digest %q is in neither %q nor %q", digest, imageID, image)
		}
	})
}

func TestImageOf(t *testing.T) {
	for _, c := range []struct{ image, id, repo, digest string }{
		{"nginx:1.27", "docker-pullable://nginx@sha256:1", "index.docker.io/library/nginx", "sha256:1"},
		{"nginx:1.27", "sha256:cfg", "index.docker.io/library/nginx", ""}, // an image id, not a manifest digest
		{"ghcr.io/acme/app@sha256:2", "", "ghcr.io/acme/app", "sha256:2"}, // pinned, status not yet written
		{"registry.gitlab.com/g/app:1", "registry.gitlab.com/g/app@sha256:3", "registry.gitlab.com/g/app", "sha256:3"},
	} {
		repo, digest := imageOf(c.image, c.id)
		if repo != c.repo || digest != c.digest {
			t.Errorf("imageOf(%q, %q) = %q %q, want %q %q", c.image, c.id, repo, digest, c.repo, c.digest)
		}
	}
}
