package templates_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"gitlab.com/vigil-vm/vigil/ci/vulndb/vulndbtest"
)

// grypeSite serves what grype's distribution site and GitLab's generic
// package registry serve: a listing (v6/latest.json) naming a tar.zst
// archive of the database in db, and PUT/GET of one package file.
func grypeSite(t *testing.T, db string) *httptest.Server {
	t.Helper()
	listing, archive, err := vulndbtest.Listing(db, "")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var pkg []byte
	const pkgPath = "/api/v4/projects/1217/packages/generic/vigil-db/latest/vigil-db.tar.gz"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case r.URL.Path == "/databases/v6/latest.json":
			_, _ = w.Write(listing)
		case r.URL.Path == "/databases/v6/"+vulndbtest.ListedArchive:
			_, _ = w.Write(archive)
		case r.URL.Path == pkgPath && r.Method == http.MethodPut:
			pkg, _ = io.ReadAll(r.Body)
			w.WriteHeader(http.StatusCreated)
		case r.URL.Path == pkgPath && r.Method == http.MethodGet && pkg != nil:
			_, _ = w.Write(pkg)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

type finding struct{ ID, Package, Version string }

func findingsIn(t *testing.T, raw []byte) []finding {
	t.Helper()
	var rep struct {
		Findings []struct {
			Vulnerability struct{ ID string }
			Package       struct{ Name, Version string }
		}
	}
	if err := json.Unmarshal(raw, &rep); err != nil {
		t.Fatalf("findings document: %v", err)
	}
	var out []finding
	for _, f := range rep.Findings {
		out = append(out, finding{f.Vulnerability.ID, f.Package.Name, f.Package.Version})
	}
	slices.SortFunc(out, func(a, b finding) int {
		return strings.Compare(a.ID+" "+a.Package+" "+a.Version, b.ID+" "+b.Package+" "+b.Version)
	})
	return out
}

// TestMirroredDatabaseScansLikeTheOriginal runs the db-mirror job (default
// source: grype's listing, here served locally) and then the scan job with
// the database it published, both with the real vigil: the scan finds what
// a scan with the original database finds.
func TestMirroredDatabaseScansLikeTheOriginal(t *testing.T) {
	t.Parallel()
	gitlabCILocal(t)
	bin, db := realVigil(t)
	image := demoRegistry(t)
	site := grypeSite(t, db)
	ci := `include:
  - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/db-mirror@$CI_COMMIT_SHA
    inputs:
      grype-listing-url: ` + site.URL + `/databases/v6/latest.json
  - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/scan@$CI_COMMIT_SHA
    inputs:
      image: ` + image + `
      insecure-registry: true
      db: $CI_API_V4_URL/projects/$CI_PROJECT_ID/packages/generic/vigil-db/latest/vigil-db.tar.gz
`
	p := newProject(t, map[string]string{".gitlab-ci.yml": ci})
	if err := os.Symlink(bin, filepath.Join(p.bin, "vigil")); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"CI_SERVER_URL": site.URL, "CI_JOB_TOKEN": "job-token", "CI_PIPELINE_SOURCE": "schedule"}
	if out, err := p.runJobs(vars, "vigil-db-mirror"); err != nil || jobFailed(out, "vigil-db-mirror") {
		t.Fatalf("mirror job: %v\n%s", err, out)
	}
	if out, err := p.runJobs(vars, "vigil-scan"); err != nil || jobFailed(out, "vigil-scan") {
		t.Fatalf("scan job with the mirrored database: %v\n%s", err, out)
	}
	mirrored, err := os.ReadFile(filepath.Join(p.artifactDir("vigil-scan"), "vigil-findings.json"))
	if err != nil {
		t.Fatal(err)
	}
	direct := exec.Command(bin, "scan", image, "--insecure-registry", "--db", db, "--cache-dir", "", "--output-dir", t.TempDir(), "-o", "json")
	original, err := direct.Output()
	if err != nil {
		t.Fatalf("scan with the original database: %v", err)
	}
	want, got := findingsIn(t, original), findingsIn(t, mirrored)
	if len(want) == 0 || !slices.Equal(got, want) {
		t.Errorf("with the mirrored database %d findings, with the original %d\n got %v\nwant %v", len(got), len(want), got, want)
	}
}
