package monitor

import (
	"bytes"
	"testing"

	"github.com/anchore/syft/syft/format/syftjson"
	syftsbom "github.com/anchore/syft/syft/sbom"
)

// TestUnpackerReadsAsUnpack: an Unpacker gives the SBOM syft's decoder
// gives (packages, their metadata and CPEs, the relationships between
// them, distro and source), the first time and from what it remembers.
func TestUnpackerReadsAsUnpack(t *testing.T) {
	t.Parallel()
	ss := append([]*syftsbom.SBOM{baseSBOM(t)}, fleet(t, 6, 80, 5)...)
	packed := packAll(t, ss)
	u := NewUnpacker()
	related := 0
	for round := range 2 {
		for i, p := range packed {
			want, err := Unpack(p)
			if err != nil {
				t.Fatal(err)
			}
			got, err := u.Unpack(p)
			if err != nil {
				t.Fatal(err)
			}
			if g, w := encode(t, got), encode(t, want); !bytes.Equal(g, w) {
				t.Errorf("round %d, SBOM %d: Unpacker's SBOM differs from Unpack's\ngot:  %.2000s\nwant: %.2000s", round, i, g, w)
			}
			related += len(want.Relationships)
		}
	}
	if related == 0 {
		t.Fatal("no SBOM has relationships between packages: the fixture proves nothing of them")
	}
}

func encode(t *testing.T, s *syftsbom.SBOM) []byte {
	t.Helper()
	enc, err := syftjson.NewFormatEncoderWithConfig(syftjson.EncoderConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := enc.Encode(&b, *s); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
