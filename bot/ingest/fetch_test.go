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

// job is a finished job as the Jobs API shows it: an archive, and the
// artifacts:reports it declares.
func job(reports ...string) *gitlab.Job {
	j := &gitlab.Job{ID: 2, Name: "scan", Artifacts: []gitlab.JobArtifact{{FileType: "archive", Filename: "artifacts.zip"}}}
	for _, r := range reports {
		typ := FileTypeContainerScanning
		if r == findings.DependencyScanningFile {
			typ = FileTypeDependencyScanning
		}
		j.Artifacts = append(j.Artifacts, gitlab.JobArtifact{FileType: typ, Filename: r})
	}
	return j
}

func TestFetchJob(t *testing.T) {
	good := sampleReport()
	gl, err := os.ReadFile("../../testdata/gitlab-reports/gcs-15-trivy-alpine.json")
	if err != nil {
		t.Fatal(err)
	}
	ds, err := os.ReadFile("../../testdata/gitlab-reports/sonatype-15-maven.json")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		files   map[string][]byte
		job     *gitlab.Job
		limit   int64
		reports []string // artifacts read, in order
		reason  Reason
		detail  string
	}{
		{name: "vigil report in the archive", files: map[string][]byte{findings.FindingsFile: good}, job: job(), reports: []string{findings.FindingsFile}},
		{name: "declared container scanning report", files: map[string][]byte{findings.ContainerScanningFile: gl}, job: job(findings.ContainerScanningFile),
			reports: []string{findings.ContainerScanningFile}},
		{name: "vigil's document stands in for its GitLab report", files: map[string][]byte{findings.FindingsFile: good, findings.ContainerScanningFile: gl},
			job: job(findings.ContainerScanningFile), reports: []string{findings.FindingsFile}},
		{name: "both kinds", files: map[string][]byte{findings.ContainerScanningFile: gl, findings.DependencyScanningFile: ds},
			job: job(findings.ContainerScanningFile, findings.DependencyScanningFile), reports: []string{findings.ContainerScanningFile, findings.DependencyScanningFile}},
		{name: "archive without a report", files: map[string][]byte{}, job: job(), reason: NotScanJob},
		{name: "declared report gone", files: map[string][]byte{}, job: job(findings.DependencyScanningFile), reason: ArtifactsExpired, detail: findings.DependencyScanningFile},
		{name: "oversized", files: map[string][]byte{findings.FindingsFile: good}, job: job(), limit: 100, reason: ReportRejected, detail: "exceeds size limit"},
		{name: "malformed", files: map[string][]byte{findings.FindingsFile: []byte(`{"schema":`)}, job: job(), reason: ReportRejected, detail: "not JSON"},
		{name: "bad gitlab report", files: map[string][]byte{findings.DependencyScanningFile: []byte(`[]`)}, job: job(findings.DependencyScanningFile),
			reason: ReportRejected, detail: findings.DependencyScanningFile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := NewFetcher(artifactServer(t, tt.files), tt.limit, nil)
			plan, err := PlanJob(tt.job, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			reps, err := f.FetchJob(context.Background(), 1, tt.job, plan)
			if tt.reason != "" {
				if ReasonOf(err) != tt.reason || !strings.Contains(err.Error(), tt.detail) || reps != nil {
					t.Fatalf("err = %v, want %s mentioning %q and no report", err, tt.reason, tt.detail)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range reps {
				got = append(got, r.Artifact)
				if len(r.Report.Findings) == 0 {
					t.Errorf("%s: no findings", r.Artifact)
				}
			}

			if strings.Join(got, ",") != strings.Join(tt.reports, ",") {
				t.Fatalf("read %v, want %v", got, tt.reports)
			}
		})
	}
}

// A clean container scanning report names no image; the CycloneDX SBOM
// GitLab's analyzer writes beside it does, in GitLab's property taxonomy.
func TestFetchJobNamesTheImageOfACleanReportFromItsSBOM(t *testing.T) {
	clean, err := os.ReadFile("../../testdata/gitlab-reports/gcs-14-trivy-clean.json")
	if err != nil {
		t.Fatal(err)
	}
	sbom := []byte(`{"bomFormat":"CycloneDX","specVersion":"1.4","metadata":{"properties":[
		{"name":"gitlab:meta:schema_version","value":"1"},
		{"name":"gitlab:container_scanning:image:name","value":"registry.example/group/app"},
		{"name":"gitlab:container_scanning:image:tag","value":"4f2a9c1"}]}}`)
	j := job(findings.ContainerScanningFile)
	j.Artifacts = append(j.Artifacts, gitlab.JobArtifact{FileType: FileTypeCycloneDX, Filename: "gl-sbom-report.cdx.json"})
	f := NewFetcher(artifactServer(t, map[string][]byte{findings.ContainerScanningFile: clean, "gl-sbom-report.cdx.json": sbom}), 0, nil)
	plan, err := PlanJob(j, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	reps, err := f.FetchJob(context.Background(), 1, j, plan)
	if err != nil {
		t.Fatal(err)
	}
	if len(reps) != 1 || len(reps[0].Report.Findings) != 0 {
		t.Fatalf("reports = %+v", reps)
	}
	if a := reps[0].Report.Asset; a.Repository != "registry.example/group/app" || len(a.Tags) != 1 || a.Tags[0] != "4f2a9c1" {
		t.Errorf("asset = %+v, want the image the SBOM names", a)
	}
}

func TestPlanJob(t *testing.T) {
	now := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	past := now.Add(-time.Hour)
	for name, tc := range map[string]struct {
		job    *gitlab.Job
		reason Reason
		read   []string
	}{
		"named anything, with a report": {job: &gitlab.Job{ID: 3, Name: "my-own-scan", Artifacts: []gitlab.JobArtifact{{FileType: "dependency_scanning", Filename: "gl-dependency-scanning-report.json"}}},
			read: []string{"gl-dependency-scanning-report.json"}},
		"expired":      {job: &gitlab.Job{ID: 3, Name: "container_scanning", ArtifactsExpireAt: &past}, reason: ArtifactsExpired},
		"sbom only":    {job: &gitlab.Job{ID: 3, Name: "dependency-scanning", Artifacts: []gitlab.JobArtifact{{FileType: "cyclonedx", Filename: "gl-sbom-npm.cdx.json"}}}, reason: NoVulnerabilityReport},
		"no artifacts": {job: &gitlab.Job{ID: 3, Name: "gemnasium-maven-dependency_scanning"}, reason: NotScanJob},
	} {
		t.Run(name, func(t *testing.T) {
			plan, err := PlanJob(tc.job, now)
			if ReasonOf(err) != tc.reason {
				t.Fatalf("err = %v, want reason %q", err, tc.reason)
			}
			if strings.Join(plan.Artifacts, ",") != strings.Join(tc.read, ",") {
				t.Fatalf("plan = %+v, want %v", plan, tc.read)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add(findings.FindingsFile, sampleReport())
	f.Add(findings.ContainerScanningFile, []byte(`{"version":"15.0.0","vulnerabilities":[]}`))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		rep, err := Parse(name, data, 1<<20)
		if err == nil && rep == nil {
			t.Error("no error and no report")
		}
	})
}

// GitLab may send an artifact without Content-Length (chunked): the limit
// then holds while reading, and a report of exactly the limit still passes.
func TestFetchJobLimitWithoutContentLength(t *testing.T) {
	good := sampleReport()
	for name, tc := range map[string]struct {
		limit  int64
		reason Reason
	}{
		"exactly the limit": {limit: int64(len(good))},
		"one byte over":     {limit: int64(len(good)) - 1, reason: ReportRejected},
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if !strings.HasSuffix(r.URL.Path, "/"+findings.FindingsFile) {
					http.NotFound(w, r)
					return
				}
				for i := 0; i < len(good); i += 100 {
					w.Write(good[i:min(i+100, len(good))])
					w.(http.Flusher).Flush() // no Content-Length
				}
			}))
			t.Cleanup(srv.Close)
			c, err := gitlab.NewClient("token", gitlab.WithBaseURL(srv.URL), gitlab.WithoutRetries(),
				gitlab.WithHTTPClient(&http.Client{Transport: LimitTransport(nil)}))
			if err != nil {
				t.Fatal(err)
			}
			plan, _ := PlanJob(job(), time.Now())
			reps, err := NewFetcher(c, tc.limit, nil).FetchJob(context.Background(), 1, job(), plan)
			if ReasonOf(err) != tc.reason || (tc.reason != "" && !strings.Contains(err.Error(), "exceeds size limit")) {
				t.Fatalf("err = %v, want reason %q", err, tc.reason)
			}
			if tc.reason == "" && (len(reps) != 1 || len(reps[0].Report.Findings) != 1) {
				t.Fatalf("reports = %+v", reps)
			}
		})
	}
}

func TestArtifactBufferAllocatesOnceWhenTheSizeIsAnnounced(t *testing.T) {
	b := &artifactBuffer{max: 10 << 20, announced: 3 << 20}
	chunk := make([]byte, 32<<10)
	for range (3 << 20) / len(chunk) {
		if _, err := b.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	if cap(b.data) != 3<<20 || len(b.data) != 3<<20 {
		t.Fatalf("len %d cap %d, want both %d", len(b.data), cap(b.data), 3<<20)
	}
	if _, err := b.Write(make([]byte, 8<<20)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("write past the limit: %v", err)
	}
}
