package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"gitlab.com/vigil-vm/vigil/internal/findings"
)

func sampleReport() []byte {
	t0 := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	asset := findings.Asset{Kind: "image", Repository: "registry.example/app", Digest: "sha256:abcd"}
	f := findings.Finding{
		Vulnerability: findings.Vulnerability{ID: "GO-2022-1059", Aliases: []string{"CVE-2022-32149"}, Severity: findings.High},
		Package:       findings.Package{Name: "golang.org/x/text", Version: "v0.3.5", Type: "go-module"},
		Fix:           findings.Fix{State: findings.FixAvailable, Versions: []string{"0.3.8"}},
	}
	f.Fingerprint = findings.FingerprintFor("group/app", asset, f)
	b, _ := json.Marshal(findings.Report{Schema: findings.SchemaID, Scanner: findings.Scanner{Name: "vigil", Version: "dev", Matcher: "grype", DB: findings.DB{Built: t0}},
		Started: t0, Ended: t0, Asset: asset, Findings: []findings.Finding{f}})
	return b
}

func artifactServer(t *testing.T, files map[string][]byte) *gitlab.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
		if !strings.HasPrefix(r.URL.Path, "/api/v4/projects/1/jobs/2/artifacts/") {
			http.NotFound(w, r)
			return
		}
		data, ok := files[name]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"message":"404 Not Found"}`))
			return
		}
		w.Write(data)
	}))
	t.Cleanup(srv.Close)
	c, err := gitlab.NewClient("token", gitlab.WithBaseURL(srv.URL), gitlab.WithoutRetries(),
		gitlab.WithHTTPClient(&http.Client{Transport: LimitTransport(nil)}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestFetch(t *testing.T) {
	good := sampleReport()
	gl, err := os.ReadFile("../../internal/glreport/testdata/gl-container-scanning-report.json")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		files     map[string][]byte
		limit     int64
		artifacts []string
		reports   int
		rejected  string
	}{
		{name: "vigil report", files: map[string][]byte{VigilReport: good}, reports: 1},
		{name: "no report", files: map[string][]byte{}, reports: 0},
		{name: "gitlab container scanning", files: map[string][]byte{ContainerScanningReport: gl}, reports: 1},
		{name: "oversized", files: map[string][]byte{VigilReport: good}, limit: 100, rejected: "exceeds size limit"},
		{name: "malformed", files: map[string][]byte{VigilReport: []byte(`{"schema":`)}, rejected: "not JSON"},
		{name: "wrong schema", files: map[string][]byte{VigilReport: []byte(`{"schema":"other"}`)}, rejected: "schema"},
		{name: "bad gitlab report", files: map[string][]byte{DependencyScanReport: []byte(`[]`)}, rejected: DependencyScanReport},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := NewFetcher(artifactServer(t, tt.files), tt.limit, tt.artifacts)
			reps, err := f.Fetch(context.Background(), 1, 2)
			if tt.rejected != "" {
				var rej *RejectedError
				if !errors.As(err, &rej) || !strings.Contains(err.Error(), tt.rejected) {
					t.Fatalf("err = %v, want rejection mentioning %q", err, tt.rejected)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(reps) != tt.reports {
				t.Fatalf("%d reports, want %d", len(reps), tt.reports)
			}
			for _, r := range reps {
				if len(r.Report.Findings) == 0 || r.Report.Asset.Repository == "" {
					t.Errorf("%s: empty report %+v", r.Artifact, r.Report)
				}
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add(VigilReport, sampleReport())
	f.Add(ContainerScanningReport, []byte(`{"version":"15.0.0","vulnerabilities":[]}`))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		rep, err := Parse(name, data, 1<<20)
		if err == nil && rep == nil {
			t.Error("no error and no report")
		}
	})
}
