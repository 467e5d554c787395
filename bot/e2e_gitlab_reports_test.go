package bot

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gitlab.com/vigil-vm/vigil/internal/findings"
	"gitlab.com/vigil-vm/vigil/internal/gitlabdouble"
)

// realGitLabReport reads a report one of GitLab's analyzers wrote (sources in
// testdata/gitlab-reports/README.md).
func realGitLabReport(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "gitlab-reports", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// cleanOf is a report from the same analyzer with no vulnerabilities: what
// the job writes once everything is fixed.
func cleanOf(t *testing.T, data []byte) []byte {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	doc["vulnerabilities"] = []any{}
	delete(doc, "remediations")
	return mustJSON(t, doc)
}

// reportFile is where GitLab's templates write each report kind.
func reportFile(kind string) string {
	if kind == "dependency_scanning" {
		return findings.DependencyScanningFile
	}
	return findings.ContainerScanningFile
}

// glScan finishes a pipeline on ref (the default branch when empty) whose
// one job leaves a GitLab security report declared as artifacts:reports.
func (w *world) glScan(ref, job, kind string, data []byte) gitlabdouble.Pipeline {
	w.t.Helper()
	name := reportFile(kind)
	pl, _ := w.gl.FinishPipeline(w.project.ID, gitlabdouble.PipelineSpec{Ref: ref, Jobs: []gitlabdouble.JobSpec{
		{Name: "build", Stage: "build"},
		{Name: job, Artifacts: map[string][]byte{name: data}, Reports: map[string]string{kind: name}},
	}})
	w.settle()
	return pl
}

func openIssues(w *world) []gitlabdouble.Issue {
	var out []gitlabdouble.Issue
	for _, is := range w.gl.Issues(w.project.ID) {
		if is.State == "opened" {
			out = append(out, is)
		}
	}
	return out
}

// affectedImages is the rows of an issue's "Affected images" table.
func affectedImages(description string) string {
	_, rest, _ := strings.Cut(description, "### Affected images")
	rest, _, _ = strings.Cut(rest, "\n###")
	_, rows, _ := strings.Cut(rest, "|---|---|---|---|---|---|")
	return strings.TrimSpace(rows)
}

var bareHashInTitle = regexp.MustCompile(`\b[0-9a-f]{16,}\b`)

func TestRealGitLabReportsOpenIssuesAndACleanReportClosesThem(t *testing.T) {
	for _, tc := range []struct {
		file, job, kind string
		issues          int
		// one issue checked in full
		title, severity, fix, due string
	}{
		{"gcs-14-grype-dotnet.json", "container_scanning", "container_scanning", 12,
			"GHSA-ghhp-997w-qr28 in System.Text.Encodings.Web 4.4.0", "severity::1", "Fix Available", "2026-12-02"},
		{"gcs-14-grype-with-language.json", "container_scanning", "container_scanning", 25,
			"GHSA-jfh8-c2jp-5v3q in log4j-core 2.11.1", "severity::1", "Fix Available", "2026-12-02"},
		{"gcs-14-trivy-debian.json", "container_scanning", "container_scanning", 91,
			"CVE-2018-12020 in gpgv 2.1.18-8~deb9u1", "severity::2", "Fix Available", "2026-12-02"},
		{"gcs-14-trivy-with-language.json", "container_scanning", "container_scanning", 1,
			"CVE-2021-44228 in org.apache.logging.log4j:log4j-api 2.14.1", "severity::1", "Fix Available", "2026-12-02"},
		{"gcs-15-trivy-alpine.json", "container_scanning", "container_scanning", 76,
			"CVE-2018-14618 in curl 7.61.0-r0", "severity::1", "Fix Available", "2026-12-02"},
		{"gcs-15-trivy-ubuntu.json", "container_scanning", "container_scanning", 97,
			"CVE-2022-3715 in bash 5.1-6ubuntu1", "severity::4", "Fix Unavailable", "2027-05-01"},
		{"sonatype-15-maven.json", "gemnasium-maven-dependency_scanning", "dependency_scanning", 28,
			"sonatype-2024-0946 in bcprov-jdk15 140", "severity::1", "Fix Available", "2026-12-02"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			data := realGitLabReport(t, tc.file)
			w := newWorld(t)
			w.start(nil)
			w.glScan("", tc.job, tc.kind, data)
			open := openIssues(w)
			if len(open) != tc.issues {
				t.Fatalf("%d issues, want %d: %q", len(open), tc.issues, titles(open))
			}
			for _, is := range open {
				if !is.Confidential || is.DueDate == nil || bareHashInTitle.MatchString(is.Title) || !strings.Contains(is.Title, " in ") {
					t.Errorf("issue %q: confidential %v, due %v", is.Title, is.Confidential, is.DueDate)
				}
			}
			is := w.issue(tc.title)
			if !hasLabel(is, tc.severity) || !hasLabel(is, "Vulnerability::Vendor Package::"+tc.fix) {
				t.Errorf("%q labels %q, want %s and %s", tc.title, is.Labels, tc.severity, tc.fix)
			}
			if is.DueDate == nil || is.DueDate.String() != tc.due { // first seen 2026-11-02 plus the SLA days of its severity
				t.Errorf("%q due %v, want %s", tc.title, is.DueDate, tc.due)
			}
			if table := affectedImages(is.Description); strings.Contains(table, "| `` |") || strings.Contains(table, "| |") || !strings.Contains(table, "| detected ") {
				t.Errorf("affected images table has an empty cell:\n%s", table)
			}

			clean := cleanOf(t, data)
			if tc.kind == "container_scanning" {
				clean = realGitLabReport(t, "gcs-14-trivy-clean.json") // what GitLab's analyzer writes for a clean image
			}
			w.glScan("", tc.job, tc.kind, clean)
			if left := openIssues(w); len(left) != 0 {
				t.Fatalf("a clean report of the same job left %d issues open: %q", len(left), titles(left))
			}
		})
	}
}
