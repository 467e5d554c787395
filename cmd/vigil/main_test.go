package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"gitlab.com/vigil-vm/vigil/ci/vulndb"
	"gitlab.com/vigil-vm/vigil/ci/vulndb/vulndbtest"
	"gitlab.com/vigil-vm/vigil/internal/demoimage"
)

var (
	dbDir   string // testdata/vulndata only: fast, and enough for the CLI's contract
	archive string // the demo image as a docker archive
)

func TestMain(m *testing.M) {
	// The developer's or CI's own environment stays out of the CLI under
	// test, once for the process: tests that set these use t.Setenv, and
	// the parallel ones run after those have restored it.
	for _, k := range []string{"CS_IMAGE", "CS_SEVERITY_THRESHOLD", "CS_IGNORE_UNFIXED", "CS_REGISTRY_INSECURE", "VIGIL_DB_DIR", "GITHUB_ACTIONS", "CI_PROJECT_PATH"} {
		os.Unsetenv(k)
	}
	tmp, err := os.MkdirTemp("", "vigil-cli-test-")
	if err != nil {
		log.Fatal(err)
	}
	code := func() int {
		defer os.RemoveAll(tmp)
		ctx := context.Background()
		root, _ := filepath.Abs("../..")
		dbDir = filepath.Join(tmp, "db")
		_, err := vulndb.Build(ctx, vulndbtest.Config(dbDir), slog.New(slog.DiscardHandler))
		if err != nil {
			log.Fatal(err)
		}
		img, err := demoimage.Image(ctx, root)
		if err != nil {
			log.Fatal(err)
		}
		archive = filepath.Join(tmp, "demo.tar")
		tag, _ := name.NewTag("registry.example/group/demo:1.0")
		if err := tarball.WriteToFile(archive, tag, img); err != nil {
			log.Fatal(err)
		}
		return m.Run()
	}()
	os.Exit(code)
}

// vigil runs the CLI in-process and returns its exit status and stdout.
func vigil(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	root := newRoot()
	root.SetOut(&out)
	root.SetArgs(args)
	return exitCode(root.ExecuteContext(context.Background())), out.String()
}

func TestScanExitCodes(t *testing.T) {
	for _, tc := range []struct {
		name  string
		args  []string
		code  int
		files bool
	}{
		{"gate passes", []string{"--fail-on", "critical"}, 0, true},
		{"gate fails on high", []string{"--fail-on", "high"}, 1, true},
		{"none never fails", []string{"--fail-on", "none"}, 0, true},
		{"unknown severity", []string{"--fail-on", "severe"}, 2, false},
		{"unknown SBOM format", []string{"--sbom-format", "xml"}, 2, false},
		{"missing DB", []string{"--db", t.TempDir()}, 2, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			args := append([]string{"scan", "--image", "docker-archive:" + archive, "--db", dbDir, "--output-dir", out, "-q"}, tc.args...)
			code, _ := vigil(t, args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d", code, tc.code)
			}
			_, err := os.Stat(filepath.Join(out, "vigil-findings.json"))
			if (err == nil) != tc.files {
				t.Errorf("reports written = %v, want %v", err == nil, tc.files)
			}
		})
	}
}

// TestScanEnvironment: GitLab Container Scanning's variables keep GitLab's
// meaning. CS_SEVERITY_THRESHOLD filters GitLab's report and never fails the
// job; flags beat the environment.
func TestScanEnvironment(t *testing.T) {
	t.Setenv("CS_IMAGE", "docker-archive:"+archive)
	t.Setenv("CS_SEVERITY_THRESHOLD", "high")
	t.Setenv("VIGIL_DB_DIR", dbDir)
	out := t.TempDir()
	code, stdout := vigil(t, "scan", "--output-dir", out)
	if code != 0 {
		t.Fatalf("CS_SEVERITY_THRESHOLD=high: exit %d, want 0 (a report filter, never a gate)", code)
	}
	if !strings.Contains(stdout, "CVE-2022-32149") {
		t.Errorf("table lacks the x/text finding:\n%s", stdout)
	}
	var gl struct {
		Vulnerabilities []struct{ Severity string } `json:"vulnerabilities"`
	}
	var fj struct{ Findings []json.RawMessage }
	readJSON(t, filepath.Join(out, "gl-container-scanning-report.json"), &gl)
	readJSON(t, filepath.Join(out, "vigil-findings.json"), &fj)
	for _, v := range gl.Vulnerabilities {
		if v.Severity != "High" && v.Severity != "Critical" {
			t.Errorf("GitLab report lists a %s finding below CS_SEVERITY_THRESHOLD", v.Severity)
		}
	}
	if len(gl.Vulnerabilities) == 0 || len(fj.Findings) <= len(gl.Vulnerabilities) {
		t.Errorf("GitLab report %d findings, findings document %d: want a filtered report and a complete document", len(gl.Vulnerabilities), len(fj.Findings))
	}

	t.Setenv("CS_SEVERITY_THRESHOLD", "critical")
	if code, _ := vigil(t, "scan", "--output-dir", t.TempDir(), "--fail-on", "high", "-q"); code != 1 {
		t.Errorf("--fail-on high with CS_SEVERITY_THRESHOLD=critical: exit %d, want 1", code)
	}
	if code, _ := vigil(t, "scan", "--output-dir", t.TempDir(), "--severity-threshold", "severe", "-q"); code != 2 {
		t.Errorf("bad --severity-threshold: exit %d, want 2", code)
	}
	t.Setenv("CS_IGNORE_UNFIXED", "maybe")
	if code, _ := vigil(t, "scan", "--output-dir", t.TempDir(), "-q"); code != 2 {
		t.Errorf("CS_IGNORE_UNFIXED=maybe: exit %d, want 2", code)
	}
	if code, _ := vigil(t, "scan", "--output-dir", t.TempDir(), "--ignore-unfixed=false", "-q"); code != 0 {
		t.Errorf("flag must win over CS_IGNORE_UNFIXED: exit %d", code)
	}
}

// TestScanCLIHabits: what grype and trivy users type.
func TestScanCLIHabits(t *testing.T) {
	t.Setenv("VIGIL_DB_DIR", dbDir)
	src := "docker-archive:" + archive
	code, stdout := vigil(t, "scan", src, "--output-dir", t.TempDir(), "-o", "sarif")
	if code != 0 {
		t.Fatalf("vigil scan IMAGE -o sarif: exit %d", code)
	}
	var log struct {
		Version string            `json:"version"`
		Runs    []json.RawMessage `json:"runs"`
	}
	if err := json.Unmarshal([]byte(stdout), &log); err != nil || log.Version != "2.1.0" || len(log.Runs) != 1 {
		t.Errorf("-o sarif printed no SARIF 2.1.0 log (%v):\n%.300s", err, stdout)
	}
	out := t.TempDir()
	if code, stdout := vigil(t, "scan", src, "--output-dir", out, "-o", "spdx-json"); code != 0 || !strings.Contains(stdout, `"spdxVersion"`) {
		t.Errorf("-o spdx-json: exit %d, printed %.200s", code, stdout)
	}
	if _, err := os.Stat(filepath.Join(out, "vigil-sbom-demo.spdx.json")); err != nil {
		t.Errorf("the printed SPDX SBOM is not kept as a file: %v", err)
	}
	for _, args := range [][]string{{"scan", src, "--image", src}, {"scan", src, "-o", "xml"}, {"scan"}} {
		if code, _ := vigil(t, append(args, "--output-dir", t.TempDir())...); code != 2 {
			t.Errorf("vigil %v: exit %d, want 2", args, code)
		}
	}
	sbomDir := t.TempDir()
	if code, _ := vigil(t, "sbom", src, "--output-dir", sbomDir); code != 0 {
		t.Errorf("vigil sbom IMAGE: exit %d", code)
	}
	if cdx, err := os.ReadFile(filepath.Join(sbomDir, "gl-sbom-demo.cdx.json")); err != nil || !strings.Contains(string(cdx), "gitlab:container_scanning:operating_system:name") {
		t.Errorf("vigil sbom wrote no CycloneDX SBOM with GitLab's properties: %v", err)
	}
	if code, stdout := vigil(t, "--version"); code != 0 || !strings.HasPrefix(stdout, "vigil ") {
		t.Errorf("vigil --version: exit %d, %q", code, stdout)
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func TestScanInGitHubActions(t *testing.T) {
	dir := t.TempDir()
	outputs, summary := filepath.Join(dir, "out"), filepath.Join(dir, "summary.md")
	os.WriteFile(outputs, nil, 0o644)
	os.WriteFile(summary, nil, 0o644)
	t.Setenv("GITHUB_ACTIONS", "true")
	t.Setenv("GITHUB_OUTPUT", outputs)
	t.Setenv("GITHUB_STEP_SUMMARY", summary)
	t.Setenv("INPUT_IMAGE", "docker-archive:"+archive)
	t.Setenv("INPUT_FAIL-ON", "high")
	t.Setenv("INPUT_DB", dbDir)
	t.Setenv("INPUT_OUTPUT-DIR", filepath.Join(dir, "reports"))

	code, stdout := vigil(t, "scan", "-q")
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	got, _ := os.ReadFile(outputs)
	for _, want := range []string{"result<<", "fail", "high<<", "findings<<", filepath.Join(dir, "reports", "vigil-findings.json"), "sarif-file<<", filepath.Join(dir, "reports", "vigil.sarif")} {
		if !strings.Contains(string(got), want) {
			t.Errorf("GITHUB_OUTPUT lacks %q:\n%s", want, got)
		}
	}
	if s, _ := os.ReadFile(summary); !strings.Contains(string(s), "CVE-2022-32149") {
		t.Errorf("job summary lacks the finding:\n%s", s)
	}
	var log struct{ Version string }
	readJSON(t, filepath.Join(dir, "reports", "vigil.sarif"), &log)
	if log.Version != "2.1.0" {
		t.Errorf("vigil.sarif version %q", log.Version)
	}
	_ = stdout // annotations go to the process's stdout; ci/actions tests them
}
