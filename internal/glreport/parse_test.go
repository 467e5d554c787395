package glreport

import (
	"errors"
	"os"
	"strings"
	"testing"

	"gitlab.com/vigil-vm/vigil/internal/findings"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseContainerScanning(t *testing.T) {
	data := readFixture(t, "gl-container-scanning-report.json")
	if err := Validate(TypeContainerScanning, data); err != nil {
		t.Fatalf("fixture is not a valid report: %v", err)
	}
	rep, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	a := rep.Asset
	if a.Kind != "image" || a.Repository != "registry.gitlab.com/group/app/main" || len(a.Tags) != 1 || a.Tags[0] != "4f2a9c1" ||
		a.Distro == nil || *a.Distro != (findings.Distro{Name: "debian", Version: "12.1"}) {
		t.Fatalf("asset = %+v distro %+v", a, a.Distro)
	}
	if rep.Scanner.Name != "GitLab Container Scanning" || rep.Scanner.Matcher != "Trivy 0.51.1" || rep.Started.Format(TimeLayout) != "2026-11-20T09:14:03" {
		t.Fatalf("scanner = %+v started %v", rep.Scanner, rep.Started)
	}
	for i, want := range []struct {
		key, pkg, pkgType string
		state             findings.FixState
		versions          string
		sev               findings.Severity
	}{
		{"CVE-2023-4911", "libc6", "deb", findings.FixAvailable, "2.36-9+deb12u3", findings.High},
		{"CVE-2023-5678", "libssl3", "deb", findings.FixUnavailable, "", findings.Medium},
		{"CVE-2022-32149", "golang.org/x/text", "go-module", findings.FixAvailable, "0.3.8", findings.High},
	} {
		f := rep.Findings[i]
		if f.Key() != want.key || f.Package.Name != want.pkg || f.Package.Type != want.pkgType || f.Fix.State != want.state ||
			strings.Join(f.Fix.Versions, ",") != want.versions || f.Vulnerability.Severity != want.sev {
			t.Errorf("finding %d = %+v", i, f)
		}
		if fp := findings.FingerprintFor("", a, f); f.Fingerprint != fp {
			t.Errorf("finding %d fingerprint %s, want %s", i, f.Fingerprint, fp)
		}
	}
	if got := rep.Findings[2].Vulnerability.Aliases; len(got) != 1 || got[0] != "GHSA-69ch-w2m2-3vjp" {
		t.Errorf("aliases = %v", got)
	}
}

func TestParseDependencyScanning(t *testing.T) {
	rep, err := Parse(readFixture(t, "gl-dependency-scanning-report.json"))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Asset.Kind != "dir" || rep.Asset.Repository != "" {
		t.Fatalf("asset = %+v", rep.Asset)
	}
	lodash, xnet := rep.Findings[0], rep.Findings[1]
	if lodash.Key() != "CVE-2021-23337" || lodash.Package.Type != "npm" || lodash.Fix.State != findings.FixAvailable ||
		strings.Join(lodash.Fix.Versions, ",") != "4.17.21" || lodash.Package.Locations[0].Path != "web/package-lock.json" {
		t.Errorf("lodash = %+v", lodash)
	}
	for _, a := range lodash.Vulnerability.Aliases {
		if a == "77" {
			t.Errorf("CWE kept as an alias: %v", lodash.Vulnerability.Aliases)
		}
	}
	if want := findings.Fingerprint("", "", "npm", "lodash", "CVE-2021-23337"); lodash.Fingerprint != want {
		t.Errorf("lodash fingerprint %s, want one that leaves its dependency file out", lodash.Fingerprint)
	}
	if xnet.Package.Type != "go-module" || xnet.Fix.State != findings.FixUnavailable {
		t.Errorf("x/net = %+v", xnet)
	}
}

func TestParseDependencyScanningWithoutDependencyFiles(t *testing.T) {
	data := readFixture(t, "gl-dependency-scanning-report.json")
	i := strings.Index(string(data), `,
  "dependency_files"`)
	trimmed := string(data[:i]) + "\n}\n"
	trimmed = strings.Replace(trimmed, `"version": "15.0.6"`, `"version": "15.2.1"`, 1)
	rep, err := Parse([]byte(trimmed))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Findings[0].Package.Type != "npm" {
		t.Fatalf("type from file name = %q", rep.Findings[0].Package.Type)
	}
}

func TestParseFixStates(t *testing.T) {
	for solution, want := range map[string]findings.Fix{
		"Upgrade apt from 1.4.8 to 1.4.9":                    {State: findings.FixAvailable, Versions: []string{"1.4.9"}},
		"Upgrade to versions 4.17.21, 5.0.1 or above.":       {State: findings.FixAvailable, Versions: []string{"4.17.21", "5.0.1"}},
		"Upgrade golang.org/x/text to 0.3.8 or 0.4.0":        {State: findings.FixAvailable, Versions: []string{"0.3.8", "0.4.0"}},
		"Unfortunately, there is no solution available yet.": {State: findings.FixUnavailable},
		"The vendor will not fix this vulnerability.":        {State: findings.FixWontFix},
		"": {State: findings.FixUnknown},
	} {
		got := fixOf(solution, false)
		if got.State != want.State || strings.Join(got.Versions, ",") != strings.Join(want.Versions, ",") {
			t.Errorf("fixOf(%q) = %+v, want %+v", solution, got, want)
		}
	}
	if got := fixOf("", true); got.State != findings.FixAvailable {
		t.Errorf("a remediation should mean fixed, got %+v", got)
	}
}

func TestParseRejects(t *testing.T) {
	cs := string(readFixture(t, "gl-container-scanning-report.json"))
	for name, tc := range map[string]struct {
		doc  string
		want string
	}{
		"not json":       {doc: "{", want: "not a JSON report object"},
		"array":          {doc: "[]", want: "not a JSON report object"},
		"no version":     {doc: strings.Replace(cs, `"version": "15.0.7",`, "", 1), want: "declares no schema version"},
		"version 16":     {doc: strings.Replace(cs, `"version": "15.0.7"`, `"version": "16.0.0"`, 1), want: `schema version "16.0.0"; vigil reads 14.x and 15.x`},
		"version 3":      {doc: strings.Replace(cs, `"version": "15.0.7"`, `"version": "3.0"`, 1), want: "container-scanning analyzer writes from version 5"},
		"failed scan":    {doc: strings.Replace(cs, `"status": "success"`, `"status": "failure"`, 1), want: "the scan failed"},
		"sast":           {doc: strings.Replace(cs, `"type": "container_scanning"`, `"type": "sast"`, 1), want: `scan.type "sast"`},
		"no image":       {doc: strings.Replace(cs, `"image": "registry.gitlab.com/group/app/main:4f2a9c1"`, `"image": ""`, 1), want: "does not match schema"},
		"bad severity":   {doc: strings.Replace(cs, `"severity": "High"`, `"severity": "Severe"`, 1), want: "does not match schema"},
		"bad start time": {doc: strings.Replace(cs, `"2026-11-20T09:14:03"`, `"2026-11-20 09:14:03"`, 1), want: "does not match schema"},
	} {
		t.Run(name, func(t *testing.T) {
			rep, err := Parse([]byte(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) || rep != nil {
				t.Fatalf("err = %v, want %q and no report", err, tc.want)
			}
		})
	}
	_, err := Parse(make([]byte, findings.MaxReportBytes+1))
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("oversized report: err = %v", err)
	}
}
