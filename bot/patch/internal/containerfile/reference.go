package containerfile

import "strings"

// SplitRef splits an image reference into repository, tag and digest
// without normalising it: "golang:1.22.3-alpine@sha256:…" → "golang",
// "1.22.3-alpine", "sha256:…".
func SplitRef(ref string) (repo, tag, digest string) {
	if i := strings.Index(ref, "@"); i >= 0 {
		ref, digest = ref[:i], ref[i+1:]
	}
	slash := strings.LastIndex(ref, "/")
	if i := strings.LastIndex(ref, ":"); i > slash {
		return ref[:i], ref[i+1:], digest
	}
	return ref, "", digest
}

// JoinRef is SplitRef's inverse.
func JoinRef(repo, tag, digest string) string {
	s := repo
	if tag != "" {
		s += ":" + tag
	}
	if digest != "" {
		s += "@" + digest
	}
	return s
}

// IsDockerfile reports whether a file name is a Dockerfile by the usual
// conventions: Dockerfile, Containerfile, Dockerfile.<x>, <x>.Dockerfile.
func IsDockerfile(name string) bool {
	l := strings.ToLower(name)
	return l == "dockerfile" || l == "containerfile" || strings.HasPrefix(l, "dockerfile.") || strings.HasSuffix(l, ".dockerfile")
}
