// Package registry is vigil's one way into container registries: the
// credentials (GitLab's CS_REGISTRY_* and CI_REGISTRY_* variables, then the
// docker config), plain-HTTP registries and the HTTP transport, turned into
// the name and remote options every registry call takes. Scanning images
// (ci/image) and bumping base images (bot/patch/dockerfile) both use it, so
// an image the scanner can pull is one the patcher can list.
package registry
