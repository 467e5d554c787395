package image

import (
	"fmt"
	"strings"
)

// Kinds of input.
const (
	KindRegistry      = "registry"
	KindOCILayout     = "oci-layout"
	KindDockerArchive = "docker-archive"
	KindDir           = "dir"
	KindSBOM          = "sbom"
)

// Input is a parsed scan target such as "oci-layout:./out" or "alpine:3.19".
type Input struct {
	Kind string
	Ref  string // registry reference or filesystem path
}

// ParseInput splits a scan target into its kind and reference. A target
// without a known scheme is a registry reference.
func ParseInput(s string) (Input, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Input{}, fmt.Errorf("no image to scan: pass --image REF or set CS_IMAGE")
	}
	for _, k := range []string{KindOCILayout, KindDockerArchive, KindDir, KindSBOM} {
		if p, ok := strings.CutPrefix(s, k+":"); ok {
			if p == "" {
				return Input{}, fmt.Errorf("%s: missing path after %q", s, k+":")
			}
			return Input{Kind: k, Ref: p}, nil
		}
	}
	s = strings.TrimPrefix(s, "registry:")
	return Input{Kind: KindRegistry, Ref: s}, nil
}

func (in Input) String() string {
	if in.Kind == KindRegistry {
		return in.Ref
	}
	return in.Kind + ":" + in.Ref
}
