package templates_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

func osvArchive(t *testing.T, ids ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, id := range ids {
		w, err := zw.Create(id + ".json")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, `{"schema_version":"1.6.1","id":"`+id+`","modified":"2026-11-01T00:00:00Z"}`); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gzipped(t *testing.T, s string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	if _, err := io.WriteString(gz, s); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// untarFile returns one file of a .tar.gz.
func untarFile(t *testing.T, archive []byte, name string) string {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(archive))
	if err != nil {
		t.Fatalf("uploaded database is not gzip: %v", err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err != nil {
			t.Fatalf("%s not in the archive: %v", name, err)
		}
		if filepath.Clean(h.Name) == name {
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
	}
}

// TestDBMirrorJobRuns runs the mirror job against a local stand-in for OSV,
// CISA, EPSS and GitLab's package registry.
func TestDBMirrorJobRuns(t *testing.T) {
	t.Parallel()
	const token = "job-token-for-test"
	var mu sync.Mutex
	var uploads []string // JOB-TOKEN of each upload
	var uploaded []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/osv/Go/all.zip":
			_, _ = w.Write(osvArchive(t, "GO-2022-1059", "GO-2023-1988"))
		case r.Method == http.MethodGet && r.URL.Path == "/osv/npm/all.zip":
			_, _ = w.Write(osvArchive(t, "GHSA-vh95-rmgr-6w4m"))
		case r.Method == http.MethodGet && r.URL.Path == "/kev.json":
			_, _ = io.WriteString(w, `{"vulnerabilities":[{"cveID":"CVE-2023-44487","dueDate":"2023-10-31"}]}`)
		case r.Method == http.MethodGet && r.URL.Path == "/epss.csv.gz":
			_, _ = w.Write(gzipped(t, "#model_version:v2025.03.14\ncve,epss,percentile\nCVE-2023-44487,0.94,0.99\n"))
		case r.Method == http.MethodPut && r.URL.Path == "/api/v4/projects/1217/packages/generic/vigil-db/latest/vigil-db.tar.gz":
			body, _ := io.ReadAll(r.Body)
			mu.Lock()
			uploads = append(uploads, r.Header.Get("JOB-TOKEN"))
			uploaded = body
			mu.Unlock()
			w.WriteHeader(http.StatusCreated)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	for _, tc := range []struct {
		name       string
		inputs     string
		wantArgs   []string
		wantUpload bool
	}{
		{
			name:       "grype's official database by default, published",
			inputs:     "      grype-listing-url: " + srv.URL + "/databases/v6/latest.json\n",
			wantArgs:   []string{"db", "mirror", "--listing", srv.URL + "/databases/v6/latest.json", "--out", "vigil-db"},
			wantUpload: true,
		},
		{
			name: "everything built, published",
			inputs: `      source: build
      osv-ecosystems: Go,npm
      osv-base-url: ` + srv.URL + `/osv
      kev-url: ` + srv.URL + `/kev.json
      epss-url: ` + srv.URL + `/epss.csv.gz
`,
			wantArgs:   []string{"db", "build", "--out", "vigil-db", "--osv", "vigil-mirror/osv/Go", "--osv", "vigil-mirror/osv/npm", "--kev", "vigil-mirror/kev.json", "--epss", "vigil-mirror/epss.csv"},
			wantUpload: true,
		},
		{
			name: "OSV only, kept as an artifact",
			inputs: `      source: build
      osv-base-url: ` + srv.URL + `/osv
      kev-url: ""
      epss-url: ""
      publish: false
`,
			wantArgs: []string{"db", "build", "--out", "vigil-db", "--osv", "vigil-mirror/osv/Go"},
		},
		{
			name: "Go vulndb through the module proxy only",
			inputs: `      source: build
      osv-ecosystems: ""
      go-vulndb: true
      kev-url: ""
      epss-url: ""
      publish: false
`,
			wantArgs: []string{"db", "build", "--out", "vigil-db", "--go-vulndb"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mu.Lock()
			uploads, uploaded = nil, nil
			mu.Unlock()
			ci := "include:\n  - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/db-mirror@$CI_COMMIT_SHA\n    inputs:\n" + tc.inputs
			p := newProject(t, map[string]string{".gitlab-ci.yml": ci})
			p.tool("vigil", fakeVigil)
			p.preview(nil) // fails on a schema violation
			vars := map[string]string{"CI_SERVER_URL": srv.URL, "CI_JOB_TOKEN": token, "CI_PIPELINE_SOURCE": "schedule"}
			out, err := p.runJobs(vars, "vigil-db-mirror")
			if err != nil {
				t.Fatalf("mirror job failed: %v\n%s", err, out)
			}
			archive, err := os.ReadFile(filepath.Join(p.artifactDir("vigil-db-mirror"), "vigil-db.tar.gz"))
			if err != nil {
				t.Fatalf("vigil-db.tar.gz not kept as an artifact: %v\n%s", err, out)
			}
			got := strings.Split(strings.TrimSpace(untarFile(t, archive, "vulnerability.db")), "\n")
			if !slices.Equal(got, tc.wantArgs) {
				t.Errorf("vigil called with\n got %q\nwant %q", got, tc.wantArgs)
			}
			mu.Lock()
			defer mu.Unlock()
			if !tc.wantUpload {
				if len(uploads) != 0 {
					t.Errorf("published although publish is false")
				}
				return
			}
			if !slices.Equal(uploads, []string{token}) {
				t.Errorf("uploads with JOB-TOKEN %q, want one with the job token", uploads)
			}
			if !bytes.Equal(uploaded, archive) {
				t.Errorf("published archive differs from the artifact")
			}
		})
	}
}
