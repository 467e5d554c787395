package monitor

import (
	"bytes"
	"fmt"

	"github.com/anchore/syft/syft/artifact"
	"github.com/anchore/syft/syft/file"
	"github.com/anchore/syft/syft/format/syftjson"
	syftpkg "github.com/anchore/syft/syft/pkg"
	"github.com/anchore/syft/syft/sbom"
	"github.com/klauspost/compress/zstd"
)

// Pack is the stored form of an SBOM: syft JSON, zstd-compressed, keeping
// what matching reads (packages with their metadata and locations, the
// relationships between packages, the distro and the source) and dropping
// the file catalog, which a fleet's storage would otherwise mostly hold.
func Pack(s *sbom.SBOM) ([]byte, error) {
	slim := *s
	slim.Artifacts.FileMetadata = map[file.Coordinates]file.Metadata{}
	slim.Artifacts.FileDigests = map[file.Coordinates][]file.Digest{}
	slim.Artifacts.FileContents = map[file.Coordinates]string{}
	slim.Artifacts.FileLicenses = map[file.Coordinates][]file.License{}
	slim.Artifacts.Executables = map[file.Coordinates]file.Executable{}
	slim.Artifacts.Unknowns = map[file.Coordinates][]string{}
	slim.Relationships = nil
	for _, r := range s.Relationships {
		if isPackage(r.From) && isPackage(r.To) {
			slim.Relationships = append(slim.Relationships, r)
		}
	}
	var raw bytes.Buffer
	enc, err := syftjson.NewFormatEncoderWithConfig(syftjson.EncoderConfig{})
	if err != nil {
		return nil, err
	}
	if err := enc.Encode(&raw, slim); err != nil {
		return nil, fmt.Errorf("encode SBOM: %w", err)
	}
	return zstdEncoder.EncodeAll(raw.Bytes(), nil), nil
}

// Unpack reads an SBOM Pack wrote.
func Unpack(packed []byte) (*sbom.SBOM, error) {
	raw, err := zstdDecoder.DecodeAll(packed, nil)
	if err != nil {
		return nil, fmt.Errorf("read stored SBOM: %w", err)
	}
	return decodeJSON(raw)
}

// decodeJSON has syft decode a syft JSON document.
func decodeJSON(raw []byte) (*sbom.SBOM, error) {
	s, _, _, err := syftjson.NewFormatDecoder().Decode(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("read stored SBOM: %w", err)
	}
	return s, nil
}

// The coders are safe for concurrent EncodeAll/DecodeAll and costly to make.
var (
	zstdEncoder, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedBetterCompression))
	zstdDecoder, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(0))
)

func isPackage(a artifact.Identifiable) bool {
	switch a.(type) {
	case syftpkg.Package, *syftpkg.Package:
		return true
	}
	return false
}
