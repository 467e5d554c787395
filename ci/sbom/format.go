package sbom

import (
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"github.com/anchore/syft/syft/format"
	"github.com/anchore/syft/syft/format/cyclonedxjson"
	"github.com/anchore/syft/syft/format/spdxjson"
	"github.com/anchore/syft/syft/format/syftjson"
	"github.com/anchore/syft/syft/sbom"
)

// Formats vigil writes.
const (
	CycloneDX = "cyclonedx" // CycloneDX 1.6 JSON, for GitLab's artifacts:reports:cyclonedx
	SPDX      = "spdx"      // SPDX 2.3 JSON
	Syft      = "syft"      // syft's own JSON, the richest and re-scannable
)

// Formats lists the valid --sbom-format values.
var Formats = []string{CycloneDX, SPDX, Syft}

// Encoder returns the encoder for one of Formats.
func Encoder(name string) (sbom.FormatEncoder, error) {
	switch strings.ToLower(name) {
	case CycloneDX:
		return cyclonedxjson.NewFormatEncoderWithConfig(cyclonedxjson.EncoderConfig{Version: "1.6", Pretty: true})
	case SPDX:
		return spdxjson.NewFormatEncoderWithConfig(spdxjson.EncoderConfig{Version: "2.3", DefaultVersion: "2.3", Pretty: true})
	case Syft:
		return syftjson.NewFormatEncoderWithConfig(syftjson.EncoderConfig{Pretty: true})
	}
	return nil, fmt.Errorf("unknown SBOM format %q (want one of %s)", name, strings.Join(Formats, ", "))
}

// FileName is the report file for format and asset name; CycloneDX follows
// GitLab's gl-sbom-<name>.cdx.json convention.
func FileName(formatName, assetName string) string {
	n := safeName(assetName)
	switch formatName {
	case CycloneDX:
		return "gl-sbom-" + n + ".cdx.json"
	case SPDX:
		return "vigil-sbom-" + n + ".spdx.json"
	default:
		return "vigil-sbom-" + n + ".syft.json"
	}
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// safeName turns a repository into a file-name part: its last path element.
func safeName(repo string) string {
	if i := strings.LastIndex(repo, "/"); i >= 0 {
		repo = repo[i+1:]
	}
	repo = unsafeChars.ReplaceAllString(repo, "-")
	if repo == "" {
		return "image"
	}
	return repo
}

// Encode writes s in the named format.
func Encode(w io.Writer, s *sbom.SBOM, formatName string) error {
	enc, err := Encoder(formatName)
	if err != nil {
		return err
	}
	return enc.Encode(w, *s)
}

// Decode reads an SBOM document in any format syft understands (syft JSON,
// CycloneDX, SPDX).
func Decode(path string) (*sbom.SBOM, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read SBOM: %w", err)
	}
	defer f.Close()
	s, id, _, err := format.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("read SBOM %s: %w", path, err)
	}
	if s == nil || id == "" {
		return nil, fmt.Errorf("read SBOM %s: not a syft, CycloneDX or SPDX document", path)
	}
	return s, nil
}
