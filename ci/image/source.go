package image

import (
	"errors"
	"fmt"
	"strings"
)

// Kinds of input. The scheme names are grype's, so `vigil scan docker:app`
// means what `grype docker:app` means.
const (
	KindRegistry      = "registry"
	KindDocker        = "docker" // the local Docker engine
	KindPodman        = "podman" // the local Podman service
	KindOCILayout     = "oci-layout"
	KindDockerArchive = "docker-archive"
	KindDir           = "dir"
	KindSBOM          = "sbom"
)

// schemes maps each accepted prefix to its kind; oci-dir is grype's name
// for an OCI layout directory.
var schemes = []struct{ prefix, kind string }{
	{"registry:", KindRegistry},
	{"docker:", KindDocker},
	{"podman:", KindPodman},
	{"oci-dir:", KindOCILayout},
	{"oci-layout:", KindOCILayout},
	{"docker-archive:", KindDockerArchive},
	{"dir:", KindDir},
	{"sbom:", KindSBOM},
}

// unsupported are grype schemes vigil does not read, with what to do instead.
var unsupported = map[string]string{
	"oci-archive:": "extract it (tar -xf FILE -C DIR) and scan oci-dir:DIR",
	"singularity:": "convert it to an OCI layout and scan oci-dir:DIR",
	"file:":        "scan its directory with dir:DIR",
}

// ErrNoImage is returned for an empty target.
var ErrNoImage = errors.New("no image to scan")

// Input is a parsed scan target such as "oci-dir:./out" or "alpine:3.19".
type Input struct {
	Kind string
	Ref  string // registry or daemon reference, or filesystem path
}

// ParseInput splits a scan target into its kind and reference. A target
// without a known scheme is a registry reference.
func ParseInput(s string) (Input, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Input{}, ErrNoImage
	}
	for p, hint := range unsupported {
		if strings.HasPrefix(s, p) {
			return Input{}, fmt.Errorf("%s: %s sources are not supported: %s", s, strings.TrimSuffix(p, ":"), hint)
		}
	}
	for _, sc := range schemes {
		if ref, ok := strings.CutPrefix(s, sc.prefix); ok {
			if ref == "" {
				return Input{}, fmt.Errorf("%s: missing %s after %q", s, what(sc.kind), sc.prefix)
			}
			return Input{Kind: sc.kind, Ref: ref}, nil
		}
	}
	return Input{Kind: KindRegistry, Ref: s}, nil
}

func what(kind string) string {
	switch kind {
	case KindRegistry, KindDocker, KindPodman:
		return "an image reference"
	}
	return "a path"
}

func (in Input) String() string {
	if in.Kind == KindRegistry {
		return in.Ref
	}
	return in.Kind + ":" + in.Ref
}
