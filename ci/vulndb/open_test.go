package vulndb

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/anchore/grype/grype/search"
)

func TestOpenLocalDB(t *testing.T) {
	fresh, _ := builtFixtures(t)

	staleDir := t.TempDir()
	built := time.Now().Add(-30 * 24 * time.Hour)
	cfg := BuildConfig{OSVDirs: []string{filepath.Join(fixtures, "osv")}, Out: staleDir, Now: built}
	if _, err := Build(context.Background(), cfg, testLogger(t)); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(t.TempDir(), "nothing-here")

	tests := []struct {
		name    string
		opts    OpenOptions
		wantErr []string // substrings of a one-line, actionable error
		isNoDB  bool
		isStale bool
	}{
		{name: "fresh DB", opts: OpenOptions{Dir: fresh}},
		{name: "missing DB", opts: OpenOptions{Dir: missing}, isNoDB: true,
			wantErr: []string{"no vulnerability database in " + missing, "vigil db build", "drop --db"}},
		{name: "stale DB", opts: OpenOptions{Dir: staleDir}, isStale: true,
			wantErr: []string{staleDir, "30 days ago", "more than 120h", "vigil db build", "--db-allow-stale"}},
		{name: "stale DB allowed", opts: OpenOptions{Dir: staleDir, AllowStale: true}},
		{name: "stale DB within a longer max age", opts: OpenOptions{Dir: staleDir, MaxAge: 31 * 24 * time.Hour}},
		{name: "fresh DB seen from the future", opts: OpenOptions{Dir: fresh, Now: time.Now().Add(6 * 24 * time.Hour)}, isStale: true,
			wantErr: []string{"--db-allow-stale"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vp, st, err := Open(context.Background(), tt.opts)
			if len(tt.wantErr) > 0 {
				if err == nil {
					vp.Close()
					t.Fatal("opened")
				}
				t.Log(err)
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not say %q", err, w)
					}
				}
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("error spans lines: %q", err)
				}
				var noDB *NoDBError
				var stale *StaleError
				if errors.As(err, &noDB) != tt.isNoDB || errors.As(err, &stale) != tt.isStale {
					t.Errorf("error type %T", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer vp.Close()
			if st.Path != filepath.Join(tt.opts.Dir, "6", "vulnerability.db") || len(st.Providers) == 0 {
				t.Errorf("status = %+v", st)
			}
			vulns, err := vp.FindVulnerabilities(search.ByPackageName("stdlib"))
			if err != nil || len(vulns) == 0 {
				t.Errorf("stdlib vulnerabilities: %d, %v", len(vulns), err)
			}
		})
	}
}

func TestOpenRejectsAFileThatIsNoDB(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "6"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "6", "vulnerability.db"), []byte("not sqlite"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := Open(context.Background(), OpenOptions{Dir: dir})
	if err == nil || !strings.Contains(err.Error(), "vigil db build --out "+dir) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("error = %v, want one line naming the rebuild", err)
	}
	t.Log(err)
}

func TestOpenRejectsACorruptedDB(t *testing.T) {
	dir := t.TempDir()
	cfg := BuildConfig{OSVDirs: []string{filepath.Join(fixtures, "osv")}, Out: dir}
	if _, err := Build(context.Background(), cfg, testLogger(t)); err != nil {
		t.Fatal(err)
	}
	// a DB whose bytes no longer match import.json's digest
	if err := appendFile(filepath.Join(dir, "6", "vulnerability.db"), []byte{0}); err != nil {
		t.Fatal(err)
	}
	_, _, err := Open(context.Background(), OpenOptions{Dir: dir})
	if err == nil || !strings.Contains(err.Error(), "vigil db build") {
		t.Fatalf("error = %v, want one naming the rebuild", err)
	}
	t.Log(err)
}

func TestReadStatusWithoutDB(t *testing.T) {
	dir := t.TempDir()
	_, err := ReadStatus(dir)
	var noDB *NoDBError
	if !errors.As(err, &noDB) || noDB.Dir != dir {
		t.Fatalf("error = %v, want *NoDBError for %s", err, dir)
	}

	// pointing at grype's schema directory instead of the cache directory
	built, _ := builtFixtures(t)
	_, err = ReadStatus(filepath.Join(built, "6"))
	if !errors.As(err, &noDB) || !strings.Contains(err.Error(), "pass its parent "+built) {
		t.Fatalf("error = %v, want a hint to pass %s", err, built)
	}
}
