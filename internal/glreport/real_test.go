package glreport

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// realReport reads a report written by one of GitLab's analyzers (see
// testdata/gitlab-reports/README.md for where each was found).
func realReport(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "gitlab-reports", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseRealReports(t *testing.T) {
	for _, tc := range []struct {
		file       string
		findings   int
		fixed      int // findings with a fix available
		repository string
		pkgType    string
		// one finding checked in full
		at       int
		key, pkg string
		sev      findings.Severity
		fix      findings.FixState
		versions string
	}{
		{"gcs-14-grype-dotnet.json", 12, 12, "registry.gitlab.com/security-products/api-security", "dotnet",
			7, "GHSA-ghhp-997w-qr28", "System.Text.Encodings.Web", findings.Critical, findings.FixAvailable, "4.5.1"},
		{"gcs-14-grype-with-language.json", 30, 12, "docker.io/dnurmi/testrepo", "apk",
			0, "CVE-2014-0114", "commons-beanutils", findings.High, findings.FixUnavailable, ""},
		{"gcs-14-trivy-debian.json", 91, 1, "registry.gitlab.com/caneldem/trivy-test/caneldem-master-patch-33191", "deb",
			1, "CVE-2018-12020", "gpgv", findings.High, findings.FixAvailable, "2.1.18-8~deb9u2"},
		{"gcs-14-trivy-with-language.json", 1, 1, "g", "",
			0, "CVE-2021-44228", "org.apache.logging.log4j:log4j-api", findings.Critical, findings.FixAvailable, "2.15.0"},
		{"gcs-15-trivy-alpine.json", 76, 76, "registry.gitlab.com/caneldem/trivy-test/caneldem-master-patch-27986", "apk",
			0, "CVE-2018-14618", "curl", findings.Critical, findings.FixAvailable, "7.61.1-r0"},
		{"gcs-15-trivy-ubuntu.json", 97, 60, "registry.gitlab.com/agilefactory/witboost.mesh/provisioning/witboost.mesh.provisioning.javaspecificprovisioner", "deb",
			0, "CVE-2022-3715", "bash", findings.Low, findings.FixUnavailable, ""},
		{"sonatype-15-maven.json", 28, 21, "", "java-archive",
			0, "CVE-2013-1624", "bcprov-jdk15", findings.High, findings.FixAvailable, ""},
	} {
		t.Run(tc.file, func(t *testing.T) {
			rep, err := Parse(realReport(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			fixed := 0
			for _, f := range rep.Findings {
				if f.Fix.State == findings.FixAvailable {
					fixed++
				}
				if f.Package.Type != tc.pkgType {
					t.Errorf("%s in %s: package type %q, want %q", f.Key(), f.Package.Name, f.Package.Type, tc.pkgType)
				}
				if findings.IsBareHash(findings.DisplayID(f.Vulnerability.ID, f.Vulnerability.Aliases)) {
					t.Errorf("%s in %s is named by a bare hash", f.Vulnerability.ID, f.Package.Name)
				}
			}
			if len(rep.Findings) != tc.findings || fixed != tc.fixed || rep.Asset.Repository != tc.repository {
				t.Fatalf("%d findings (%d fixable) of %q, want %d (%d) of %q", len(rep.Findings), fixed, rep.Asset.Repository,
					tc.findings, tc.fixed, tc.repository)
			}
			f := rep.Findings[tc.at]
			if f.Key() != tc.key || f.Package.Name != tc.pkg || f.Vulnerability.Severity != tc.sev || f.Fix.State != tc.fix ||
				strings.Join(f.Fix.Versions, ",") != tc.versions {
				t.Errorf("finding %d = %s in %s, %v, %+v", tc.at, f.Key(), f.Package.Name, f.Vulnerability.Severity, f.Fix)
			}
		})
	}
}

func TestParseRealCleanReport(t *testing.T) {
	rep, err := Parse(realReport(t, "gcs-14-trivy-clean.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Findings) != 0 || rep.Asset.Repository != "" || rep.Scanner.Name != "GitLab Container Scanning" {
		t.Fatalf("clean report = %+v", rep)
	}
}

// Sonatype names some findings only by an internal hash plus its own
// advisory id: the title must use the advisory, never the hash.
func TestParseNamesSonatypeFindingsByAdvisory(t *testing.T) {
	rep, err := Parse(realReport(t, "sonatype-15-maven.json"))
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range rep.Findings {
		names[f.Vulnerability.ID] = true
	}
	if !names["sonatype-2024-0946"] || names["internal-sid-26dd2d32"] || names["26dd2d325b634bd18ce2c7f2e0f7dd2a"] {
		t.Fatalf("finding names %v, want sonatype-2024-0946 for the finding whose internal id is 26dd2d32…", names)
	}
}

func TestParseRejectsPreSchemaReports(t *testing.T) {
	for _, name := range []string{"retirejs-gemnasium-2.1.json", "gemnasium-maven-2.3.json"} {
		rep, err := Parse(realReport(t, name))
		if err == nil || rep != nil || !strings.Contains(err.Error(), "gemnasium from version 3") {
			t.Errorf("%s: err = %v, want a rejection naming the analyzer versions to use", name, err)
		}
	}
}

// The solutions below are copied from the real reports under testdata.
func TestParseFixFromRealSolutions(t *testing.T) {
	for solution, want := range map[string]findings.Fix{
		"Upgrade to version 2.9.10.1 or above.":                              {State: findings.FixAvailable, Versions: []string{"2.9.10.1"}},
		"Upgrade to versions 2.7.9.7, 2.8.11.5, 2.9.10 or above.":            {State: findings.FixAvailable, Versions: []string{"2.7.9.7", "2.8.11.5", "2.9.10"}},
		"Upgrade com.fasterxml.jackson.core:jackson-core to 2.18.11, 2.21.7": {State: findings.FixAvailable, Versions: []string{"2.18.11", "2.21.7"}},
		"Upgrade libcurl3-gnutls to 7.81.0-1ubuntu1.10":                      {State: findings.FixAvailable, Versions: []string{"7.81.0-1ubuntu1.10"}},
		"No solution provided":                                               {State: findings.FixUnavailable},
		"We recommend upgrading to a version of this component that is not vulnerable to this specific issue.\n\nCheck the details page.": {State: findings.FixAvailable},
	} {
		got := fixOf(solution, false)
		if got.State != want.State || strings.Join(got.Versions, ",") != strings.Join(want.Versions, ",") {
			t.Errorf("fixOf(%q) = %+v, want %+v", solution, got, want)
		}
	}
}
