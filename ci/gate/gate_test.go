package gate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gitlab.com/vigil-vm/vigil/internal/findings"
)

const (
	xtextPURL = "pkg:golang/golang.org/x/text@v0.3.5"
	xnetPURL  = "pkg:golang/golang.org/x/net@v0.7.0"
)

// report is a small scan of repo with four findings:
// 0 GO-2022-1059/CVE-2022-32149 x/text High fixed
// 1 GO-2023-2102/CVE-2023-39325 x/net High fixed
// 2 CVE-2023-5678 libssl3 Medium no fix
// 3 CVE-2005-2541 tar Critical won't fix
func report(repo string, tags ...string) *findings.Report {
	return &findings.Report{
		Schema: findings.SchemaID,
		Asset:  findings.Asset{Kind: "image", Repository: repo, Tags: tags, Digest: "sha256:4f2a9c1e"},
		Findings: []findings.Finding{
			{Vulnerability: findings.Vulnerability{ID: "GO-2022-1059", Aliases: []string{"CVE-2022-32149"}, Severity: findings.High},
				Package: findings.Package{Name: "golang.org/x/text", Version: "v0.3.5", Type: "go-module", PURL: xtextPURL},
				Fix:     findings.Fix{State: findings.FixAvailable, Versions: []string{"0.3.8"}}},
			{Vulnerability: findings.Vulnerability{ID: "GO-2023-2102", Aliases: []string{"CVE-2023-39325", "GHSA-4374-p667-p6c8"}, Severity: findings.High},
				Package: findings.Package{Name: "golang.org/x/net", Version: "v0.7.0", Type: "go-module", PURL: xnetPURL},
				Fix:     findings.Fix{State: findings.FixAvailable, Versions: []string{"0.17.0"}}},
			{Vulnerability: findings.Vulnerability{ID: "CVE-2023-5678", Severity: findings.Medium},
				Package: findings.Package{Name: "libssl3", Version: "3.0.11-1~deb12u1", Type: "deb"},
				Fix:     findings.Fix{State: findings.FixUnavailable}},
			{Vulnerability: findings.Vulnerability{ID: "CVE-2005-2541", Severity: findings.Critical},
				Package: findings.Package{Name: "tar", Version: "1.34+dfsg-1.2", Type: "deb"},
				Fix:     findings.Fix{State: findings.FixWontFix}},
		},
	}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func mustAllowlist(t *testing.T, content string) *Allowlist {
	t.Helper()
	a, err := LoadAllowlist(writeFile(t, "vulnerability-allowlist.yml", content))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func mustVEX(t *testing.T, content string) *VEXDoc {
	t.Helper()
	d, err := LoadVEX(writeFile(t, "app.openvex.json", content))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func vexDoc(statements string) string {
	return `{
  "@context": "https://openvex.dev/ns/v0.2.0",
  "@id": "https://example.com/vex/app-1",
  "author": "Security Team <security@example.com>",
  "timestamp": "2026-11-01T10:00:00Z",
  "version": 1,
  "statements": [` + statements + `]
}`
}

func TestApply(t *testing.T) {
	const repo = "registry.example/group/app"
	for name, tc := range map[string]struct {
		rep  *findings.Report
		opts func(t *testing.T) Options
		want []string // reason per finding, "" for active
	}{
		"nothing to apply": {
			rep:  report(repo),
			opts: func(*testing.T) Options { return Options{} },
			want: []string{"", "", "", ""},
		},
		"ignore unfixed": {
			rep:  report(repo),
			opts: func(*testing.T) Options { return Options{IgnoreUnfixed: true} },
			want: []string{"", "", "no fix available (--ignore-unfixed)", "vendor will not fix (--ignore-unfixed)"},
		},
		"general allowlist by alias and id": {
			rep: report(repo),
			opts: func(t *testing.T) Options {
				return Options{Allowlist: mustAllowlist(t, "generalallowlist:\n  CVE-2022-32149: not reachable\n  cve-2023-5678:\n")}
			},
			want: []string{"allowlisted in vulnerability-allowlist.yml: not reachable", "", "allowlisted in vulnerability-allowlist.yml", ""},
		},
		"image allowlist by name only": {
			rep: report("your.private.registry:5000/centos", "7"),
			opts: func(t *testing.T) Options {
				return Options{Allowlist: mustAllowlist(t, "images:\n  centos:\n    CVE-2023-5678: libssl\n  other/app:\n    CVE-2005-2541:\n")}
			},
			want: []string{"", "", "allowlisted for centos in vulnerability-allowlist.yml: libssl", ""},
		},
		"image allowlist with registry and GitLab's @sha256 form": {
			rep: report("registry.gitlab.com/group/webgoat-8.0"),
			opts: func(t *testing.T) Options {
				return Options{Allowlist: mustAllowlist(t, "images:\n  registry.gitlab.com/group/webgoat-8.0@sha256:\n    CVE-2005-2541:\n")}
			},
			want: []string{"", "", "", "allowlisted for registry.gitlab.com/group/webgoat-8.0@sha256 in vulnerability-allowlist.yml"},
		},
		"image allowlist on Docker Hub": {
			rep: report("docker.io/library/alpine", "3.7"),
			opts: func(t *testing.T) Options {
				return Options{Allowlist: mustAllowlist(t, "images:\n  alpine:3.7:\n    CVE-2005-2541: x\n  alpine:3.8:\n    CVE-2023-5678: y\n")}
			},
			want: []string{"", "", "", "allowlisted for alpine:3.7 in vulnerability-allowlist.yml: x"},
		},
		"VEX not_affected for a package in the image": {
			rep: report(repo, "v1"),
			opts: func(t *testing.T) Options {
				return Options{VEX: []*VEXDoc{mustVEX(t, vexDoc(`{
      "vulnerability": {"name": "CVE-2022-32149"},
      "products": [{"@id": "registry.example/group/app:v1", "subcomponents": [{"@id": "`+xtextPURL+`"}]}],
      "status": "not_affected",
      "justification": "vulnerable_code_not_in_execute_path"
    }`))}}
			},
			want: []string{"VEX not_affected: vulnerable_code_not_in_execute_path", "", "", ""},
		},
		"VEX fixed naming the package purl and the image purl": {
			rep: report(repo),
			opts: func(t *testing.T) Options {
				return Options{VEX: []*VEXDoc{mustVEX(t, vexDoc(`{
      "vulnerability": {"name": "GHSA-4374-p667-p6c8"},
      "products": [{"@id": "pkg:golang/golang.org/x/net"}],
      "status": "fixed"
    }, {
      "vulnerability": {"name": "CVE-2005-2541"},
      "products": [{"@id": "pkg:oci/app@sha256%3A4f2a9c1e?repository_url=registry.example/group/app"}],
      "status": "not_affected",
      "justification": "inline_mitigations_already_exist"
    }`))}}
			},
			want: []string{"", "VEX fixed", "", "VEX not_affected: inline_mitigations_already_exist"},
		},
		"VEX for another image or package does nothing": {
			rep: report(repo),
			opts: func(t *testing.T) Options {
				return Options{VEX: []*VEXDoc{mustVEX(t, vexDoc(`{
      "vulnerability": {"name": "CVE-2022-32149"},
      "products": [{"@id": "registry.example/group/other"}],
      "status": "not_affected", "justification": "component_not_present"
    }, {
      "vulnerability": {"name": "CVE-2023-39325"},
      "products": [{"@id": "registry.example/group/app", "subcomponents": [{"@id": "pkg:golang/golang.org/x/crypto"}]}],
      "status": "not_affected", "justification": "component_not_present"
    }`))}}
			},
			want: []string{"", "", "", ""},
		},
		"VEX under investigation, and a later affected overriding not_affected": {
			rep: report(repo),
			opts: func(t *testing.T) Options {
				return Options{VEX: []*VEXDoc{mustVEX(t, vexDoc(`{
      "vulnerability": {"name": "CVE-2022-32149"},
      "products": [{"@id": "`+xtextPURL+`"}],
      "status": "under_investigation"
    }, {
      "vulnerability": {"name": "CVE-2023-39325"},
      "timestamp": "2026-11-02T00:00:00Z",
      "products": [{"@id": "`+xnetPURL+`"}],
      "status": "not_affected", "justification": "vulnerable_code_not_present"
    }, {
      "vulnerability": {"name": "CVE-2023-39325"},
      "timestamp": "2026-11-03T00:00:00Z",
      "products": [{"@id": "`+xnetPURL+`"}],
      "status": "affected", "action_statement": "upgrade"
    }`))}}
			},
			want: []string{"", "", "", ""},
		},
		"VEX before allowlist before unfixed": {
			rep: report(repo),
			opts: func(t *testing.T) Options {
				return Options{
					IgnoreUnfixed: true,
					Allowlist:     mustAllowlist(t, "generalallowlist:\n  CVE-2005-2541: accepted\n  CVE-2022-32149: accepted\n"),
					VEX: []*VEXDoc{mustVEX(t, vexDoc(`{
      "vulnerability": {"name": "CVE-2022-32149"},
      "products": [{"@id": "`+xtextPURL+`"}],
      "status": "not_affected", "justification": "vulnerable_code_cannot_be_controlled_by_adversary"
    }`))},
				}
			},
			want: []string{"VEX not_affected: vulnerable_code_cannot_be_controlled_by_adversary", "", "no fix available (--ignore-unfixed)", "allowlisted in vulnerability-allowlist.yml: accepted"},
		},
	} {
		t.Run(name, func(t *testing.T) {
			rep := tc.rep
			rep.Findings[0].Suppression = &findings.Suppression{Kind: "vex", Reason: "stale"} // Apply replaces it
			Apply(rep, tc.opts(t))
			for i, f := range rep.Findings {
				got := ""
				if f.Suppression != nil {
					got = f.Suppression.Reason
				}
				if got != tc.want[i] {
					t.Errorf("finding %d (%s): suppression %q, want %q", i, f.Key(), got, tc.want[i])
				}
			}
		})
	}
}

func TestSuppressionKinds(t *testing.T) {
	rep := report("registry.example/group/app")
	Apply(rep, Options{IgnoreUnfixed: true, Allowlist: mustAllowlist(t, "generalallowlist:\n  CVE-2022-32149:\n")})
	if k := rep.Findings[0].Suppression.Kind; k != findings.SuppressedAllowlist {
		t.Errorf("allowlist kind = %q", k)
	}
	if k := rep.Findings[2].Suppression.Kind; k != findings.SuppressedUnfixed {
		t.Errorf("unfixed kind = %q", k)
	}
}

func TestFailing(t *testing.T) {
	for name, tc := range map[string]struct {
		opts Options
		want []string
	}{
		"no threshold never fails": {opts: Options{FailOn: findings.Low}, want: nil},
		"critical":                 {opts: Options{FailOn: findings.Critical, FailOnSet: true}, want: []string{"CVE-2005-2541"}},
		"high":                     {opts: Options{FailOn: findings.High, FailOnSet: true}, want: []string{"CVE-2022-32149", "CVE-2005-2541"}},
		"unknown fails on anything": {opts: Options{FailOn: findings.Unknown, FailOnSet: true},
			want: []string{"CVE-2022-32149", "CVE-2023-5678", "CVE-2005-2541"}},
	} {
		t.Run(name, func(t *testing.T) {
			rep := report("registry.example/group/app")
			rep.Findings[1].Suppression = &findings.Suppression{Kind: findings.SuppressedVEX, Reason: "VEX fixed"}
			var got []string
			for _, f := range Failing(rep, tc.opts) {
				got = append(got, f.Key())
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("failing = %v, want %v", got, tc.want)
			}
		})
	}
}
