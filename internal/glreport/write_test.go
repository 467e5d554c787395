package glreport

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/internal/findings"
)

func sampleReport() *findings.Report {
	t0 := time.Date(2026, 11, 20, 9, 14, 3, 500, time.UTC)
	asset := findings.Asset{Kind: "image", Repository: "registry.example/group/app", Tags: []string{"v1"},
		Distro: &findings.Distro{Name: "debian", Version: "12"}}
	rep := &findings.Report{
		Schema: findings.SchemaID, Project: "group/app",
		Scanner: findings.Scanner{Name: "vigil", Version: "0.1.0", Matcher: "grype v0.121.2"},
		Started: t0, Ended: t0.Add(41 * time.Second), Asset: asset,
		Findings: []findings.Finding{
			{
				Vulnerability: findings.Vulnerability{ID: "GO-2022-1059", Aliases: []string{"CVE-2022-32149", "GHSA-69ch-w2m2-3vjp"}, Severity: findings.High,
					CVSS: []findings.CVSS{
						{Source: "nvd", Version: "3.1", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", BaseScore: 7.5},
						{Source: "ghsa", Version: "4.0", Vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N", BaseScore: 8.7},
					},
					URLs: []string{"https://pkg.go.dev/vuln/GO-2022-1059", "not a url"}},
				Package: findings.Package{Name: "golang.org/x/text", Version: "v0.3.5", Type: "go-module", Locations: []findings.Location{{Path: "/app/server"}}},
				Fix:     findings.Fix{State: findings.FixAvailable, Versions: []string{"0.3.8"}},
			},
			{ // same package and vulnerability in a second binary: same fingerprint
				Vulnerability: findings.Vulnerability{ID: "GO-2022-1059", Aliases: []string{"CVE-2022-32149"}, Severity: findings.High},
				Package:       findings.Package{Name: "golang.org/x/text", Version: "v0.3.5", Type: "go-module", Locations: []findings.Location{{Path: "/app/worker"}}},
				Fix:           findings.Fix{State: findings.FixAvailable, Versions: []string{"0.3.8"}},
			},
			{
				Vulnerability: findings.Vulnerability{ID: "CVE-2023-5678", Severity: findings.Negligible, Description: "slow DH key checks"},
				Package:       findings.Package{Name: "libssl3", Version: "3.0.11-1~deb12u1", Type: "deb"},
				Fix:           findings.Fix{State: findings.FixWontFix},
			},
			{
				Vulnerability: findings.Vulnerability{ID: "CVE-2023-4911", Severity: findings.Critical},
				Package:       findings.Package{Name: "libc6", Version: "2.36-9", Type: "deb"},
				Fix:           findings.Fix{State: findings.FixAvailable, Versions: []string{"2.36-9+deb12u3"}},
				Suppression:   &findings.Suppression{Kind: findings.SuppressedAllowlist, Reason: "accepted"},
			},
		},
	}
	for i := range rep.Findings {
		rep.Findings[i].Fingerprint = findings.FingerprintFor(rep.Project, rep.Asset, rep.Findings[i])
	}
	return rep
}

var uuidLike = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestFromFindingsValidatesAgainstGitLabSchema(t *testing.T) {
	for name, tc := range map[string]struct {
		mutate func(*findings.Report)
		image  string
	}{
		"full":        {image: "registry.example/group/app:v1"},
		"no distro":   {mutate: func(r *findings.Report) { r.Asset.Distro = nil }},
		"no findings": {mutate: func(r *findings.Report) { r.Findings = nil }},
		"no matcher":  {mutate: func(r *findings.Report) { r.Scanner = findings.Scanner{} }},
		"huge description": {mutate: func(r *findings.Report) {
			r.Findings[0].Vulnerability.Description = strings.Repeat("é", maxDescription)
		}},
		"long package name": {mutate: func(r *findings.Report) { r.Findings[2].Package.Name = strings.Repeat("p", 400) }},
	} {
		t.Run(name, func(t *testing.T) {
			rep := sampleReport()
			if tc.mutate != nil {
				tc.mutate(rep)
			}
			b, err := json.Marshal(FromFindings(rep, tc.image))
			if err != nil {
				t.Fatal(err)
			}
			if err := Validate(TypeContainerScanning, b); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestFromFindingsContent(t *testing.T) {
	rep := sampleReport()
	gl := FromFindings(rep, "")
	if gl.Scan.Type != "container_scanning" || gl.Scan.Status != "success" || gl.Version != SchemaVersion {
		t.Fatalf("scan = %+v, version %s", gl.Scan, gl.Version)
	}
	if gl.Scan.StartTime != "2026-11-20T09:14:03" || gl.Scan.EndTime != "2026-11-20T09:14:44" {
		t.Fatalf("times = %s %s", gl.Scan.StartTime, gl.Scan.EndTime)
	}
	if gl.Scan.Analyzer.ID != "vigil" || gl.Scan.Scanner.ID != "grype" || gl.Scan.Scanner.Version != "0.121.2" {
		t.Fatalf("analyzer %+v scanner %+v", gl.Scan.Analyzer, gl.Scan.Scanner)
	}
	if len(gl.Vulnerabilities) != 3 {
		t.Fatalf("got %d vulnerabilities, want 3 (suppressed one left out)", len(gl.Vulnerabilities))
	}
	v := gl.Vulnerabilities[0]
	if v.Identifiers[0].Value != "CVE-2022-32149" || v.Identifiers[0].Type != "cve" || len(v.Identifiers) != 3 {
		t.Errorf("identifiers = %+v, want CVE primary then GO and GHSA", v.Identifiers)
	}
	if v.Solution != "Upgrade golang.org/x/text to 0.3.8" || v.Severity != "High" || v.Name != "CVE-2022-32149 in golang.org/x/text" {
		t.Errorf("vulnerability = %+v", v)
	}
	if len(v.CVSSVectors) != 1 || len(v.Links) != 1 {
		t.Errorf("CVSS 4.0 vector and bad link should be dropped: %+v %+v", v.CVSSVectors, v.Links)
	}
	if v.Location.Image != "registry.example/group/app:v1" || v.Location.OperatingSystem != "debian 12" ||
		v.Location.Dependency.Package.Name != "golang.org/x/text" || v.Location.Dependency.Version != "v0.3.5" {
		t.Errorf("location = %+v", v.Location)
	}
	if gl.Vulnerabilities[2].Severity != "Info" {
		t.Errorf("negligible maps to %q, want Info", gl.Vulnerabilities[2].Severity)
	}
	ids := map[string]bool{}
	for _, v := range gl.Vulnerabilities {
		if !uuidLike.MatchString(v.ID) || ids[v.ID] {
			t.Errorf("id %q is not a fresh UUID", v.ID)
		}
		ids[v.ID] = true
	}
	again := FromFindings(sampleReport(), "")
	for i := range again.Vulnerabilities {
		if again.Vulnerabilities[i].ID != gl.Vulnerabilities[i].ID {
			t.Errorf("id %d changed between runs", i)
		}
	}
}

func TestFromFindingsRoundTrip(t *testing.T) {
	rep := sampleReport()
	b, _ := json.Marshal(FromFindings(rep, ""))
	back, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if back.Asset.Repository != "registry.example/group/app" || back.Asset.Distro == nil || back.Asset.Distro.Name != "debian" {
		t.Fatalf("asset = %+v", back.Asset)
	}
	if len(back.Findings) != 3 {
		t.Fatalf("findings = %d", len(back.Findings))
	}
	for i, want := range []struct {
		key, pkgType string
		state        findings.FixState
		versions     []string
		sev          findings.Severity
	}{
		{"CVE-2022-32149", "go-module", findings.FixAvailable, []string{"0.3.8"}, findings.High},
		{"CVE-2022-32149", "go-module", findings.FixAvailable, []string{"0.3.8"}, findings.High},
		{"CVE-2023-5678", "deb", findings.FixWontFix, nil, findings.Negligible},
	} {
		f := back.Findings[i]
		if f.Key() != want.key || f.Package.Type != want.pkgType || f.Fix.State != want.state ||
			strings.Join(f.Fix.Versions, ",") != strings.Join(want.versions, ",") || f.Vulnerability.Severity != want.sev {
			t.Errorf("finding %d = %+v", i, f)
		}
	}
}

func TestValidVector(t *testing.T) {
	for v, want := range map[string]bool{
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H":                    true,
		"CVSS:3.0/AV:L/AC:H/PR:L/UI:R/S:C/C:H/I:H/A:H/E:P/RL:O":           true,
		"AV:N/AC:L/Au:N/C:P/I:P/A:P":                                      true,
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N":                        false, // no A
		"CVSS:3.1/AV:Z/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H":                    false,
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N": false,
		"CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H":               false, // repeated metric
		"": false,
	} {
		if got := validVector(v); got != want {
			t.Errorf("validVector(%q) = %v, want %v", v, got, want)
		}
	}
}
