package findingstest

import (
	"reflect"
	"testing"

	"gitlab.com/vigil-vm/vigil/internal/findings"
)

func TestFinding(t *testing.T) {
	got := Finding("CVE-2022-32149", "go-module", "golang.org/x/text", "v0.3.5",
		All(Severity(findings.High), Fixed("0.3.8")), Fingerprint("fp"), Aliases("GO-2022-1059"),
		URLs("https://osv.dev/vulnerability/GO-2022-1059"), Locations("/app"))
	want := findings.Finding{
		Fingerprint: "fp",
		Vulnerability: findings.Vulnerability{ID: "CVE-2022-32149", Aliases: []string{"GO-2022-1059"}, Severity: findings.High,
			URLs: []string{"https://osv.dev/vulnerability/GO-2022-1059"}},
		Package: findings.Package{Name: "golang.org/x/text", Version: "v0.3.5", Type: "go-module", Locations: []findings.Location{{Path: "/app"}}},
		Fix:     findings.Fix{State: findings.FixAvailable, Versions: []string{"0.3.8"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Finding = %+v\nwant %+v", got, want)
	}
	if u := Finding("CVE-2", "npm", "x", "1", URLFor("https://nvd.nist.gov/vuln/detail/")).Vulnerability.URLs; len(u) != 1 || u[0] != "https://nvd.nist.gov/vuln/detail/CVE-2" {
		t.Errorf("URLFor: URLs = %v", u)
	}
	if bare := Finding("CVE-1", "npm", "x", "1", Fixed()); bare.Fix.State != findings.FixUnavailable || bare.Vulnerability.Severity != findings.Unknown {
		t.Errorf("bare finding = %+v, want no fix and severity Unknown", bare)
	}
}
