package vulndbtest

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"

	v6 "github.com/anchore/grype/grype/db/v6"
	v6dist "github.com/anchore/grype/grype/db/v6/distribution"
	"github.com/klauspost/compress/zstd"
)

// ListedArchive is the archive's path, beside the listing, that Listing
// names: serve the listing at …/databases/v6/latest.json and the archive
// at …/databases/v6/ListedArchive, as grype's distribution site does.
const ListedArchive = "vulnerability-db_v6_test.tar.zst"

// Listing is what grype's site serves for the database in dir: a listing
// (v6/latest.json) and the tar.zst archive it names. checksum overrides
// the archive's in the listing when set. It returns errors rather than
// failing a test, so that a server's handler can call it.
func Listing(dir, checksum string) (listing, archive []byte, err error) {
	var buf bytes.Buffer
	zw, err := zstd.NewWriter(&buf)
	if err != nil {
		return nil, nil, err
	}
	tw := tar.NewWriter(zw)
	for _, name := range []string{"vulnerability.db", "import.json"} {
		b, err := os.ReadFile(filepath.Join(dir, "6", name))
		if err != nil {
			return nil, nil, err
		}
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(b))}); err != nil {
			return nil, nil, err
		}
		if _, err := tw.Write(b); err != nil {
			return nil, nil, err
		}
	}
	if err := errors.Join(tw.Close(), zw.Close()); err != nil {
		return nil, nil, err
	}
	desc, err := v6.ReadDescription(filepath.Join(dir, "6", "vulnerability.db"))
	if err != nil {
		return nil, nil, err
	}
	if checksum == "" {
		sum := sha256.Sum256(buf.Bytes())
		checksum = "sha256:" + hex.EncodeToString(sum[:])
	}
	var l bytes.Buffer
	doc := v6dist.LatestDocument{Status: v6dist.LifecycleStatus, Archive: v6dist.Archive{Description: *desc, Path: ListedArchive, Checksum: checksum}}
	if err := doc.Write(&l); err != nil {
		return nil, nil, err
	}
	return l.Bytes(), buf.Bytes(), nil
}
