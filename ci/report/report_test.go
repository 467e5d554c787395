package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/internal/findings"
	"gitlab.com/vigil-vm/vigil/internal/glreport"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

func sample() *findings.Report {
	t0 := time.Date(2026, 11, 20, 9, 14, 3, 0, time.UTC)
	asset := findings.Asset{Kind: "image", Repository: "registry.example/group/app", Digest: "sha256:4f2a9c1e", Tags: []string{"v1"},
		Distro: &findings.Distro{Name: "debian", Version: "12"}}
	rep := &findings.Report{
		Schema: findings.SchemaID, Project: "group/app",
		Scanner: findings.Scanner{Name: "vigil", Version: "0.1.0", Matcher: "grype v0.121.2", DB: findings.DB{Built: t0.Add(-24 * time.Hour)}},
		Started: t0, Ended: t0.Add(40 * time.Second), Asset: asset,
		Findings: []findings.Finding{
			{
				Vulnerability: findings.Vulnerability{ID: "CVE-2023-5678", Severity: findings.Medium},
				Package:       findings.Package{Name: "libssl3", Version: "3.0.11-1~deb12u1", Type: "deb"},
				Fix:           findings.Fix{State: findings.FixUnavailable},
			},
			{
				Vulnerability: findings.Vulnerability{ID: "GO-2022-1059", Aliases: []string{"CVE-2022-32149"}, Severity: findings.High},
				Package:       findings.Package{Name: "golang.org/x/text", Version: "v0.3.5", Type: "go-module"},
				Fix:           findings.Fix{State: findings.FixAvailable, Versions: []string{"0.3.8"}},
			},
			{
				Vulnerability: findings.Vulnerability{ID: "CVE-2023-4911", Severity: findings.Critical, Description: "Looney Tunables"},
				Package:       findings.Package{Name: "libc6", Version: "2.36-9+deb12u1", Type: "deb"},
				Fix:           findings.Fix{State: findings.FixAvailable, Versions: []string{"2.36-9+deb12u3"}},
			},
			{
				Vulnerability: findings.Vulnerability{ID: "GO-2023-2102", Aliases: []string{"CVE-2023-39325"}, Severity: findings.High},
				Package:       findings.Package{Name: "golang.org/x/net", Version: "v0.7.0", Type: "go-module"},
				Fix:           findings.Fix{State: findings.FixAvailable, Versions: []string{"0.17.0"}},
				Suppression:   &findings.Suppression{Kind: findings.SuppressedVEX, Reason: "VEX not_affected: vulnerable_code_not_in_execute_path"},
			},
			{
				Vulnerability: findings.Vulnerability{ID: "CVE-2005-2541", Severity: findings.Negligible},
				Package:       findings.Package{Name: "tar", Version: "1.34+dfsg-1.2", Type: "deb"},
				Fix:           findings.Fix{State: findings.FixWontFix},
				Suppression:   &findings.Suppression{Kind: findings.SuppressedUnfixed, Reason: "no fix available (--ignore-unfixed)"},
			},
		},
	}
	for i := range rep.Findings {
		rep.Findings[i].Fingerprint = findings.FingerprintFor(rep.Project, rep.Asset, rep.Findings[i])
	}
	return rep
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestWrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	paths, err := Write(dir, sample(), Options{Image: "registry.example/group/app:v1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 3 {
		t.Fatalf("paths = %v", paths)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, ",") != "gl-container-scanning-report.json,vigil-findings.json,vigil-summary.md" {
		t.Fatalf("output directory holds %v", names)
	}

	fj, _ := os.ReadFile(filepath.Join(dir, FindingsFile))
	if err := findings.Validate(fj); err != nil {
		t.Errorf("%s does not validate: %v", FindingsFile, err)
	}
	back, err := findings.Read(bytes.NewReader(fj), 0)
	if err != nil || len(back.Findings) != 5 || back.Findings[3].Suppression == nil {
		t.Errorf("findings read back = %v, %+v", err, back)
	}
	gl, _ := os.ReadFile(filepath.Join(dir, GitLabFile))
	if err := glreport.Validate(glreport.TypeContainerScanning, gl); err != nil {
		t.Errorf("%s does not validate against GitLab's schema: %v", GitLabFile, err)
	}
	var glDoc glreport.Report
	if err := json.Unmarshal(gl, &glDoc); err != nil || len(glDoc.Vulnerabilities) != 3 {
		t.Errorf("GitLab report should carry the 3 active findings: %v, %d", err, len(glDoc.Vulnerabilities))
	}
	sum, _ := os.ReadFile(filepath.Join(dir, SummaryFile))

	golden(t, "vigil-findings.golden.json", fj)
	golden(t, "gl-container-scanning-report.golden.json", gl)
	golden(t, "vigil-summary.golden.md", sum)
}

func TestWriteEmptyReport(t *testing.T) {
	rep := sample()
	rep.Findings = nil
	dir := t.TempDir()
	if _, err := Write(dir, rep, Options{}); err != nil {
		t.Fatal(err)
	}
	sum, _ := os.ReadFile(filepath.Join(dir, SummaryFile))
	if !strings.Contains(string(sum), "No active vulnerabilities.") {
		t.Errorf("summary of a clean image:\n%s", sum)
	}
	fj, _ := os.ReadFile(filepath.Join(dir, FindingsFile))
	if !strings.Contains(string(fj), `"findings": []`) {
		t.Errorf("findings should be an empty array:\n%s", fj)
	}
}

func TestWriteLeavesNothingOnError(t *testing.T) {
	for name, tc := range map[string]struct {
		rep   func() *findings.Report
		setup func(t *testing.T, dir string)
		want  string
	}{
		"invalid findings": {
			rep:  func() *findings.Report { r := sample(); r.Findings[0].Fingerprint = "not-a-fingerprint"; return r },
			want: "vigil-findings.json",
		},
		"no asset": {
			rep:  func() *findings.Report { r := sample(); r.Asset.Repository = ""; return r },
			want: "vigil-findings.json",
		},
		"last rename fails": {
			rep: sample,
			setup: func(t *testing.T, dir string) {
				// A non-empty directory where the summary goes: the rename fails
				// after the first two files are already in place.
				if err := os.MkdirAll(filepath.Join(dir, SummaryFile, "x"), 0o755); err != nil {
					t.Fatal(err)
				}
			},
			want: "vigil-summary.md",
		},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.setup != nil {
				tc.setup(t, dir)
			}
			_, err := Write(dir, tc.rep(), Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to name %s", err, tc.want)
			}
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if e.Name() != SummaryFile { // the obstacle the test put there
					t.Errorf("left behind %s", e.Name())
				}
			}
		})
	}
	if _, err := Write(filepath.Join(t.TempDir(), "file"), nil, Options{}); err == nil {
		t.Error("a nil report should be an error")
	}
}

func TestTable(t *testing.T) {
	var b bytes.Buffer
	if err := Table(&b, sample()); err != nil {
		t.Fatal(err)
	}
	golden(t, "table.golden.txt", b.Bytes())
	lines := strings.Split(b.String(), "\n")
	if !strings.HasPrefix(lines[1], "Critical") || !strings.HasPrefix(lines[2], "High") {
		t.Errorf("not sorted by severity:\n%s", b.String())
	}
	// Aligned: every row starts its VULNERABILITY column at the same offset.
	col := strings.Index(lines[0], "VULNERABILITY")
	for _, l := range lines[1:6] {
		if l[col-2:col] != "  " || l[col] == ' ' {
			t.Errorf("row not aligned at column %d: %q", col, l)
		}
	}

	b.Reset()
	if err := Table(&b, &findings.Report{}); err != nil || b.String() != "No vulnerabilities found.\n" {
		t.Errorf("empty table = %q, %v", b.String(), err)
	}
}

func TestJSON(t *testing.T) {
	var b bytes.Buffer
	if err := JSON(&b, sample()); err != nil {
		t.Fatal(err)
	}
	if err := findings.Validate(b.Bytes()); err != nil {
		t.Fatal(err)
	}
}

func TestSummaryEscapesMarkdown(t *testing.T) {
	rep := sample()
	rep.Findings[3].Suppression.Reason = "allowlisted in vulnerability-allowlist.yml: a|b\nc"
	var b bytes.Buffer
	if err := Summary(&b, rep, ""); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `a\|b c`) {
		t.Errorf("pipe and newline not escaped:\n%s", b.String())
	}
}

// TestWriteAllRejectsPaths: a document name is a file name inside the output
// directory, never a path that could land outside it.
func TestWriteAllRejectsPaths(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"", "../escape.json", "sub/x.json"} {
		_, err := WriteAll(dir, []Document{{Name: "ok.json", Data: []byte("{}")}, {Name: name}})
		if err == nil {
			t.Errorf("WriteAll(%q): no error", name)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) > 0 {
		t.Errorf("left behind %v", entries)
	}
}
