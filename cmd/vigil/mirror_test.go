package main

import (
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"gitlab.com/vigil-vm/vigil/ci/vulndb/vulndbtest"
)

// listingServer serves a grype-style listing (v6/latest.json) and the
// tar.zst archive it names, made from the database in dbDir, as grype's
// own distribution site does. checksum overrides the archive's when set.
func listingServer(t *testing.T, checksum string) string {
	t.Helper()
	listing, archive, err := vulndbtest.Listing(dbDir, checksum)
	if err != nil {
		t.Fatal(err)
	}
	return serveListing(t, func() ([]byte, []byte, error) { return listing, archive, nil })
}

// liveListingServer serves the database in dir as it is at each request
// of the listing: a site that publishes a new build when dir gets one.
func liveListingServer(t *testing.T, dir string) string {
	t.Helper()
	return serveListing(t, func() ([]byte, []byte, error) { return vulndbtest.Listing(dir, "") })
}

// serveListing serves the listing and archive publish returns; the archive
// served is the one published with the last listing served.
func serveListing(t *testing.T, publish func() (listing, archive []byte, err error)) string {
	t.Helper()
	var mu sync.Mutex
	var archive []byte
	mux := http.NewServeMux()
	mux.HandleFunc("/databases/v6/latest.json", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		listing, a, err := publish()
		if err != nil {
			t.Errorf("publish %s: %v", r.URL, err)
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		archive = a
		_, _ = w.Write(listing)
	})
	mux.HandleFunc("/databases/v6/"+vulndbtest.ListedArchive, func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		_, _ = w.Write(archive)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL + "/databases/v6/latest.json"
}

// TestDBMirror: a database mirrored from a listing finds exactly what the
// original finds, and an archive that does not match the listing's
// checksum is refused.
func TestDBMirror(t *testing.T) {
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
