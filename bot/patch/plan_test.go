package patch

import (
	"context"
	"strings"
	"testing"

	"gitlab.com/vigil-vm/vigil/internal/findings"
	"gitlab.com/vigil-vm/vigil/internal/findings/findingstest"
)

type fakePatcher struct {
	NoArtifacts
	name, typ string
}

func (fakePatcher) Manifests() []string               { return nil }
func (f fakePatcher) Name() string                    { return f.name }
func (f fakePatcher) Handles(x findings.Finding) bool { return x.Package.Type == f.typ }
func (fakePatcher) Extract(context.Context, string, Fix) (Extracted, error) {
	return Extracted{}, nil
}
func (fakePatcher) Update(context.Context, string, Fix, []Dependency) (Result, error) {
	return Result{}, nil
}

type groupingPatcher struct{ fakePatcher }

func (groupingPatcher) Group(findings.Finding) string { return "base-image" }

func TestPlan(t *testing.T) {
	ps := []Patcher{fakePatcher{name: "gomod", typ: "go-module"}, fakePatcher{name: "npm", typ: "npm"}}
	fs := []findings.Finding{
		findingstest.Finding("CVE-1", "go-module", "golang.org/x/text", "v0.3.5", findingstest.Fingerprint("1"), findingstest.Severity(findings.Medium), findingstest.Fixed("0.3.7")),
		findingstest.Finding("CVE-2", "go-module", "golang.org/x/text", "v0.3.5", findingstest.Fingerprint("2"), findingstest.Severity(findings.High), findingstest.Fixed("0.3.8")),
		findingstest.Finding("CVE-3", "npm", "minimist", "1.2.5", findingstest.Fingerprint("3"), findingstest.Severity(findings.Critical), findingstest.Fixed("1.2.6", "0.2.4")),
		findingstest.Finding("CVE-4", "npm", "left-pad", "1.0.0", findingstest.Fingerprint("4"), findingstest.Severity(findings.Low)),
		findingstest.Finding("CVE-5", "deb", "openssl", "3.0.0", findingstest.Fingerprint("5"), findingstest.Severity(findings.Low), findingstest.Fixed("3.0.1")),
	}
	issues := map[string][]int64{"1": {7}, "2": {8, 7}, "3": {9}}
	fixes, unfixable := Plan(fs, ps, func(fp string) []int64 { return issues[fp] })
	if len(fixes) != 2 {
		t.Fatalf("fixes = %+v, want 2", fixes)
	}
	if f := fixes[0]; f.Package != "minimist" || f.To != "1.2.6" || f.Ecosystem != "npm" {
		t.Errorf("first fix = %+v, want minimist to 1.2.6 (critical first)", f)
	}
	if f := fixes[1]; f.Package != "golang.org/x/text" || f.To != "0.3.8" || len(f.Findings) != 2 || len(f.Issues) != 2 {
		t.Errorf("second fix = %+v, want x/text to 0.3.8 covering 2 findings and issues 7, 8", f)
	}
	if len(unfixable) != 2 || !strings.Contains(unfixable[0].Reason, "no fixed version") || !strings.Contains(unfixable[1].Reason, "no patcher") {
		t.Errorf("unfixable = %+v", unfixable)
	}
	for _, u := range unfixable {
		if u.Actionable {
			t.Errorf("%q is marked worth a note; nobody can act on it", u.Reason)
		}
	}
}

// Only a fix in a new major version is worth telling a person about.
func TestPlanActionable(t *testing.T) {
	ps := []Patcher{fakePatcher{name: "gomod", typ: "go-module"}}
	_, unfixable := Plan([]findings.Finding{findingstest.Finding("CVE-1", "go-module", "golang.org/x/text", "v0.3.5", findingstest.Fingerprint("1"), findingstest.Severity(findings.High), findingstest.Fixed("1.0.0"))}, ps, nil)
	if len(unfixable) != 1 || !unfixable[0].Actionable || !strings.Contains(unfixable[0].Reason, "major version") {
		t.Errorf("unfixable = %+v, want one actionable major-version reason", unfixable)
	}
}

// A base image fix carries no package version as its target: the image's
// tags are the patcher's to find.
func TestPlanGroupHasNoPackageVersions(t *testing.T) {
	ps := []Patcher{groupingPatcher{fakePatcher{name: "dockerfile", typ: "deb"}}}
	fixes, _ := Plan([]findings.Finding{
		findingstest.Finding("CVE-1", "deb", "curl", "7.81.0-1ubuntu1.10", findingstest.Fingerprint("1"), findingstest.Severity(findings.High), findingstest.Fixed("7.81.0-1ubuntu1.11")),
		findingstest.Finding("CVE-2", "deb", "openssl", "3.0.2-0ubuntu1.10", findingstest.Fingerprint("2"), findingstest.Severity(findings.High), findingstest.Fixed("3.0.2-0ubuntu1.12")),
	}, ps, nil)
	if len(fixes) != 1 || fixes[0].Package != "base-image" || fixes[0].From != "" || fixes[0].To != "" || len(fixes[0].Findings) != 2 {
		t.Errorf("fixes = %+v, want one base-image fix without versions", fixes)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
