package actions_test

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sethvargo/go-githubactions"

	"gitlab.com/vigil-vm/vigil/ci/actions"
	"gitlab.com/vigil-vm/vigil/internal/findings"
	"gitlab.com/vigil-vm/vigil/internal/findings/findingstest"
)

// runner is the Actions environment of one step: its files and stdout.
type runner struct {
	env     map[string]string
	stdout  bytes.Buffer
	outputs string // path of GITHUB_OUTPUT
	summary string // path of GITHUB_STEP_SUMMARY
}

func newRunner(t *testing.T) *runner {
	dir := t.TempDir()
	r := &runner{outputs: filepath.Join(dir, "output"), summary: filepath.Join(dir, "summary")}
	r.env = map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": r.outputs, "GITHUB_STEP_SUMMARY": r.summary}
	return r
}

func (r *runner) action() *githubactions.Action {
	return githubactions.New(githubactions.WithWriter(&r.stdout), githubactions.WithGetenv(func(k string) string { return r.env[k] }))
}

var outputEntry = regexp.MustCompile(`(?s)([^\n]+)<<_GitHubActionsFileCommandDelimeter_\n(.*?)\n_GitHubActionsFileCommandDelimeter_\n`)

// readOutputs parses GITHUB_OUTPUT the way the runner does.
func (r *runner) readOutputs(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile(r.outputs)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, m := range outputEntry.FindAllStringSubmatch(string(b), -1) {
		if _, dup := out[m[1]]; dup {
			t.Errorf("output %s set twice", m[1])
		}
		out[m[1]] = m[2]
	}
	return out
}

var annotation = regexp.MustCompile(`(?m)^::error title=([^:]*)::(.*)$`)

// fromOSV is what every finding of these tests carries: an OSV link and the
// binary it was found in, both shown in annotations and the summary.
var fromOSV = findingstest.All(findingstest.URLFor("https://osv.dev/vulnerability/"), findingstest.Locations("/usr/local/bin/app"))

func sampleReport() (*findings.Report, []findings.Finding) {
	crit := findingstest.Finding("GO-2023-2102", "go-module", "golang.org/x/net", "v0.7.0", fromOSV, findingstest.Aliases("CVE-2023-44487", "GHSA-qppj-fm5r-hxr3"), findingstest.Severity(findings.Critical), findingstest.Fix(findings.Fix{State: findings.FixAvailable, Versions: []string{"0.17.0"}}))
	crit.Vulnerability.KEV = &findings.KEV{DueDate: "2023-10-31"}
	high := findingstest.Finding("GO-2022-1059", "go-module", "golang.org/x/text", "v0.3.5", fromOSV, findingstest.Aliases("CVE-2022-32149"), findingstest.Severity(findings.High), findingstest.Fix(findings.Fix{State: findings.FixAvailable, Versions: []string{"0.3.8"}}))
	unfixed := findingstest.Finding("CVE-2024-0001", "go-module", "libfoo|bar", "1.0", fromOSV, findingstest.Severity(findings.Medium), findingstest.Fix(findings.Fix{State: findings.FixUnavailable}))
	unfixed.Suppression = &findings.Suppression{Kind: findings.SuppressedUnfixed, Reason: "no fix"}
	low := findingstest.Finding("GHSA-aaaa-bbbb-cccc", "go-module", "example.com/lib", "v1.0.0", fromOSV, findingstest.Severity(findings.Low), findingstest.Fix(findings.Fix{State: findings.FixUnavailable}))
	rep := &findings.Report{
		Schema:   findings.SchemaID,
		Scanner:  findings.Scanner{Name: "vigil", Version: "1.2.3", Matcher: "grype v0.121.2", DB: findings.DB{Built: time.Date(2026, 11, 25, 6, 0, 0, 0, time.UTC)}},
		Asset:    findings.Asset{Kind: "image", Repository: "ghcr.io/acme/app", Digest: "sha256:0123", Tags: []string{"v1"}, Platform: "linux/amd64"},
		Findings: []findings.Finding{crit, high, unfixed, low},
	}
	return rep, []findings.Finding{crit, high}
}

var paths = map[string]string{
	actions.ReportFindings:          "vigil-reports/vigil-findings.json",
	actions.ReportContainerScanning: "vigil-reports/gl-container-scanning-report.json",
	actions.ReportCycloneDX:         "vigil-reports/gl-sbom-app.cdx.json",
	actions.ReportSummary:           "vigil-reports/vigil-summary.md",
}

func TestPublishFailingScan(t *testing.T) {
	r := newRunner(t)
	rep, failing := sampleReport()
	if err := actions.Publish(r.action(), rep, failing, paths); err != nil {
		t.Fatal(err)
	}

	outputs := r.readOutputs(t)
	want := map[string]string{
		"result": "fail", "total": "3", "failing": "2", "suppressed": "1",
		"critical": "1", "high": "1", "medium": "0", "low": "1", "negligible": "0", "unknown": "0",
		"findings": paths[actions.ReportFindings], "container-scanning": paths[actions.ReportContainerScanning],
		"cyclonedx": paths[actions.ReportCycloneDX], "summary": paths[actions.ReportSummary],
	}
	for k, v := range want {
		if outputs[k] != v {
			t.Errorf("output %s = %q, want %q", k, outputs[k], v)
		}
	}
	if len(outputs) != len(want) {
		t.Errorf("outputs = %v, want exactly %v", outputs, want)
	}

	got := annotation.FindAllStringSubmatch(r.stdout.String(), -1)
	if len(got) != 2 {
		t.Fatalf("want one error annotation per failing finding, got:\n%s", r.stdout.String())
	}
	for i, want := range []struct{ title, msg string }{
		{"Critical CVE-2023-44487 in golang.org/x/net", "golang.org/x/net v0.7.0 (go-module) is affected by GO-2023-2102 (CVE-2023-44487), severity Critical, known to be exploited (CISA KEV). Fixed in 0.17.0. Found at /usr/local/bin/app. https://osv.dev/vulnerability/GO-2023-2102"},
		{"High CVE-2022-32149 in golang.org/x/text", "Fixed in 0.3.8."},
	} {
		title := strings.NewReplacer("%3A", ":", "%2C", ",", "%25", "%").Replace(got[i][1])
		if title != want.title || !strings.Contains(got[i][2], want.msg) {
			t.Errorf("annotation %d = %q / %q, want %q / %q", i, title, got[i][2], want.title, want.msg)
		}
	}

	summary, err := os.ReadFile(r.summary)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"## vigil scan: ❌ failed (2 findings at or above the threshold)",
		"**Image** `ghcr.io/acme/app` `sha256:0123` `v1` · **Platform** linux/amd64",
		"**Database built** 2026-11-25 06:00 UTC",
		"| Critical | High | Medium | Low | Negligible | Unknown | Suppressed |",
		"| 1 | 1 | 0 | 1 | 0 | 0 | 1 |",
		"| Critical | [CVE-2023-44487](https://osv.dev/vulnerability/GO-2023-2102) (KEV) | golang.org/x/net | v0.7.0 | 0.17.0 |",
		"| High | [CVE-2022-32149](https://osv.dev/vulnerability/GO-2022-1059) | golang.org/x/text | v0.3.5 | 0.3.8 |",
		"- findings: `vigil-reports/vigil-findings.json`",
	} {
		if !strings.Contains(string(summary), want) {
			t.Errorf("summary lacks %q:\n%s", want, summary)
		}
	}
}

func TestPublishPassingScan(t *testing.T) {
	r := newRunner(t)
	rep, _ := sampleReport()
	if err := actions.Publish(r.action(), rep, nil, nil); err != nil {
		t.Fatal(err)
	}
	if got := r.readOutputs(t)["result"]; got != "pass" {
		t.Errorf("result = %q", got)
	}
	if strings.Contains(r.stdout.String(), "::error") {
		t.Errorf("annotations for a passing scan:\n%s", r.stdout.String())
	}
	summary, _ := os.ReadFile(r.summary)
	if !strings.Contains(string(summary), "## vigil scan: ✅ passed") || strings.Contains(string(summary), "Failing findings") {
		t.Errorf("summary:\n%s", summary)
	}
}

func TestPublishSummaryIsBounded(t *testing.T) {
	r := newRunner(t)
	rep, _ := sampleReport()
	var failing []findings.Finding
	for range 250 {
		failing = append(failing, rep.Findings[1])
	}
	if err := actions.Publish(r.action(), rep, failing, nil); err != nil {
		t.Fatal(err)
	}
	summary, _ := os.ReadFile(r.summary)
	if n := strings.Count(string(summary), "| High | [CVE-2022-32149]"); n != 100 {
		t.Errorf("summary has %d rows, want 100", n)
	}
	if !strings.Contains(string(summary), "…and 150 more in vigil-findings.json.") {
		t.Errorf("summary does not say how many rows it left out")
	}
	if n := len(annotation.FindAllString(r.stdout.String(), -1)); n != 250 {
		t.Errorf("%d annotations, want 250", n)
	}
}

func TestPublishErrors(t *testing.T) {
	rep, failing := sampleReport()
	for _, tc := range []struct {
		name  string
		setup func(r *runner)
		paths map[string]string
		want  string
	}{
		{"outside Actions", func(r *runner) { delete(r.env, "GITHUB_OUTPUT") }, nil, "GITHUB_OUTPUT is not set"},
		{"no summary file", func(r *runner) { delete(r.env, "GITHUB_STEP_SUMMARY") }, nil, "GITHUB_STEP_SUMMARY is not set"},
		{"unwritable output file", func(r *runner) { r.env["GITHUB_OUTPUT"] = filepath.Dir(r.outputs) }, nil, "unable to write command"},
		{"bad output name", func(*runner) {}, map[string]string{"sbom path": "x"}, "not a valid output name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRunner(t)
			tc.setup(r)
			err := actions.Publish(r.action(), rep, failing, tc.paths)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	if err := actions.Publish(newRunner(t).action(), nil, nil, nil); err == nil {
		t.Error("nil report accepted")
	}
}

// FuzzSummaryRow checks that no package name or version, however odd, adds
// or removes a column in the failing-findings table.
func FuzzSummaryRow(f *testing.F) {
	f.Add("golang.org/x/text", "v0.3.5", "0.3.8")
	f.Add("a|b", "1\n2", "`x`")
	f.Add(`x\|`, `\`, `\\|`)
	f.Fuzz(func(t *testing.T, name, version, fixed string) {
		rep, _ := sampleReport()
		fd := findingstest.Finding("CVE-2026-0001", "go-module", name, version, fromOSV, findingstest.Severity(findings.High), findingstest.Fix(findings.Fix{State: findings.FixAvailable, Versions: []string{fixed}}))
		md := actions.Summary(rep, []findings.Finding{fd}, nil)
		_, table, _ := strings.Cut(md, "|---|---|---|---|---|\n")
		row, _, _ := strings.Cut(table, "\n")
		unescaped := 0
		backslashes := 0
		for _, c := range row {
			if c == '|' && backslashes%2 == 0 {
				unescaped++
			}
			if c == '\\' {
				backslashes++
			} else {
				backslashes = 0
			}
		}
		if unescaped != 6 {
			t.Fatalf("row %q has %d column separators, want 6", row, unescaped)
		}
	})
}
