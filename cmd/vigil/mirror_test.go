package main

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"

	v6 "github.com/anchore/grype/grype/db/v6"
	v6dist "github.com/anchore/grype/grype/db/v6/distribution"
	"github.com/klauspost/compress/zstd"
)

// listingServer serves a grype-style listing (v6/latest.json) and the
// tar.zst archive it names, made from the database in dbDir, as grype's
// own distribution site does. checksum overrides the archive's when set.
func listingServer(t *testing.T, checksum string) string {
	t.Helper()
	var archive bytes.Buffer
	zw, err := zstd.NewWriter(&archive)
	if err != nil {
		t.Fatal(err)
	}
	tw := tar.NewWriter(zw)
	for _, name := range []string{"vulnerability.db", "import.json"} {
		b, err := os.ReadFile(filepath.Join(dbDir, "6", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(b))}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	desc, err := v6.ReadDescription(filepath.Join(dbDir, "6", "vulnerability.db"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(archive.Bytes())
	if checksum == "" {
		checksum = "sha256:" + hex.EncodeToString(sum[:])
	}
	const path = "vulnerability-db_v6_test.tar.zst"
	var listing bytes.Buffer
	doc := v6dist.LatestDocument{Status: v6dist.LifecycleStatus, Archive: v6dist.Archive{Description: *desc, Path: path, Checksum: checksum}}
	if err := doc.Write(&listing); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/databases/v6/latest.json", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(listing.Bytes()) })
	mux.HandleFunc("/databases/v6/"+path, func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(archive.Bytes()) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL + "/databases/v6/latest.json"
}

// TestDBMirror: a database mirrored from a listing finds exactly what the
// original finds, and an archive that does not match the listing's
// checksum is refused.
func TestDBMirror(t *testing.T) {
	clearCIEnv(t)
	mirrored := filepath.Join(t.TempDir(), "vigil-db")
	if code, out := vigil(t, "db", "mirror", "--listing", listingServer(t, ""), "--out", mirrored); code != 0 {
		t.Fatalf("vigil db mirror: exit %d\n%s", code, out)
	}
	ids := func(db string) []string {
		code, out := vigil(t, "scan", "docker-archive:"+archive, "--db", db, "--output-dir", t.TempDir(), "--cache-dir", "", "-o", "json")
		if code != 0 {
			t.Fatalf("scan with %s: exit %d", db, code)
		}
		var rep struct {
			Findings []struct{ Fingerprint string }
		}
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatal(err)
		}
		var fps []string
		for _, f := range rep.Findings {
			fps = append(fps, f.Fingerprint)
		}
		slices.Sort(fps)
		return fps
	}
	want, got := ids(dbDir), ids(mirrored)
	if len(want) == 0 || !slices.Equal(got, want) {
		t.Errorf("mirrored DB finds %d findings, the original %d: want the same\n got %v\nwant %v", len(got), len(want), got, want)
	}

	bad := filepath.Join(t.TempDir(), "vigil-db")
	code, _ := vigil(t, "db", "mirror", "--listing", listingServer(t, "sha256:"+hex.EncodeToString(make([]byte, 32))), "--out", bad)
	if code != 2 {
		t.Errorf("archive with a wrong checksum: exit %d, want 2", code)
	}
	if _, err := os.Stat(filepath.Join(bad, "6", "vulnerability.db")); err == nil {
		t.Error("a database that failed its checksum was installed")
	}
}
