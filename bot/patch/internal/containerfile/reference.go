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

// Globs are the names a Dockerfile goes by (see patch.Match).
var Globs = []string{"dockerfile", "containerfile", "dockerfile.*", "*.dockerfile"}
