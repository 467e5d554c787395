package gate

import (
	"strings"

	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// image is the scanned image as the gate matches it.
type image struct {
	repository string   // as scanned, without tag or digest
	name       string   // normalised: Docker Hub prefixes dropped
	digest     string   // algorithm:hex, when known
	tags       []string // tags the image was scanned under
}

func imageOf(a findings.Asset) image {
	ref := parseRef(a.Repository)
	img := image{repository: ref.repo, name: ref.name, digest: a.Digest, tags: a.Tags}
	if img.digest == "" {
		img.digest = ref.digest
	}
	if ref.tag != "" && len(img.tags) == 0 {
		img.tags = []string{ref.tag}
	}
	return img
}

type ref struct {
	repo, name, tag, digest string
	algorithmOnly           bool // "repo@sha256", GitLab's CI_APPLICATION_REPOSITORY form
}

// parseRef splits an image reference into repository, tag and digest.
func parseRef(s string) ref {
	var r ref
	repo, digest, hasDigest := strings.Cut(strings.TrimSpace(s), "@")
	if hasDigest {
		if strings.Contains(digest, ":") {
			r.digest = digest
		} else {
			r.algorithmOnly = true
		}
	}
	if i := strings.LastIndexByte(repo, ':'); i > strings.LastIndexByte(repo, '/') {
		r.tag = repo[i+1:]
		repo = repo[:i]
	}
	r.repo = repo
	r.name = normalise(repo)
	return r
}

// normalise drops Docker Hub's implicit parts so that "alpine",
// "library/alpine" and "docker.io/library/alpine" compare equal.
func normalise(repo string) string {
	repo = strings.ToLower(repo)
	for _, p := range []string{"docker.io/", "index.docker.io/", "registry-1.docker.io/"} {
		repo = strings.TrimPrefix(repo, p)
	}
	return strings.TrimPrefix(repo, "library/")
}

// matches reports whether an allowlist or VEX image name names img: the
// same repository, or a name-only entry ("centos") for any registry's
// centos. A tag or digest in the entry must match too.
func (img image) matches(entry string) bool {
	r := parseRef(entry)
	if r.name == "" {
		return false
	}
	if r.name != img.name && !strings.HasSuffix(img.name, "/"+r.name) {
		return false
	}
	if r.digest != "" && r.digest != img.digest {
		return false
	}
	if r.tag != "" {
		for _, t := range img.tags {
			if t == r.tag {
				return true
			}
		}
		return false
	}
	return true
}
