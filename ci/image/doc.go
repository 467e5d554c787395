// Package image acquires the image to scan exactly once: from a registry, an
// OCI layout or a docker archive, with layers cached on disk by digest, as a
// go-containerregistry v1.Image that the SBOM step reads without pulling again.
package image
