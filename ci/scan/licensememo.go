package scan

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"

	"gitlab.com/vigil-vm/vigil/ci/sbom"
)

// licenseMemoMax bounds the entries kept: a Debian image has a few hundred
// distinct copyright texts, so this holds the bases of many images.
const licenseMemoMax = 20000

// licenseMemoPath is the project's license memo for the licensecheck and
// syft builds linked here: another build may match a text otherwise, so
// it reads another file.
func (c *sbomCache) licenseMemoPath() string {
	h := sha256.New()
	for _, part := range []string{"1", moduleVersion("github.com/google/licensecheck"), syftVersion} {
		fmt.Fprintf(h, "%d:%s\n", len(part), part)
	}
	return filepath.Join(c.dir, "licenses-"+hex.EncodeToString(h.Sum(nil)[:8])+".json.gz")
}

// licenseMemo is the memo an earlier scan left, or an empty one (which
// still spares matching a text twice within this scan).
func (c *sbomCache) licenseMemo() *sbom.LicenseMemo {
	if c == nil {
		return sbom.NewLicenseMemo(nil)
	}
	b, _ := readGzip(c.licenseMemoPath())
	return sbom.NewLicenseMemo(b)
}

// storeLicenseMemo keeps m for the next scan when it learned something.
// Two scans storing at once each write a whole memo: the last one wins
// and the other's new texts are matched again next time.
func (c *sbomCache) storeLicenseMemo(m *sbom.LicenseMemo) error {
	if c == nil {
		return nil
	}
	b, changed, err := m.Encode(licenseMemoMax)
	if err != nil || !changed {
		return err
	}
	return c.writeGzip(c.licenseMemoPath(), b)
}
