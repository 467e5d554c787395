package patch

import (
	"context"
	"strings"
	"testing"

	"gitlab.com/vigil-vm/vigil/internal/findings"
)

type fakePatcher struct{ name, typ string }

func (f fakePatcher) Name() string                                        { return f.name }
func (f fakePatcher) Handles(x findings.Finding) bool                     { return x.Package.Type == f.typ }
func (fakePatcher) Extract(context.Context, string) ([]Dependency, error) { return nil, nil }
func (fakePatcher) Update(context.Context, string, Fix) (Change, error)   { return Change{}, nil }

func finding(fp, typ, name, version string, sev findings.Severity, fixed ...string) findings.Finding {
	f := findings.Finding{Fingerprint: fp, Package: findings.Package{Name: name, Version: version, Type: typ},
		Vulnerability: findings.Vulnerability{ID: "CVE-" + fp, Severity: sev}, Fix: findings.Fix{State: findings.FixUnavailable}}
	if len(fixed) > 0 {
		f.Fix = findings.Fix{State: findings.FixAvailable, Versions: fixed}
	}
	return f
}

func TestPlan(t *testing.T) {
	ps := []Patcher{fakePatcher{"gomod", "go-module"}, fakePatcher{"npm", "npm"}}
	fs := []findings.Finding{
		finding("1", "go-module", "golang.org/x/text", "v0.3.5", findings.Medium, "0.3.7"),
		finding("2", "go-module", "golang.org/x/text", "v0.3.5", findings.High, "0.3.8"),
		finding("3", "npm", "minimist", "1.2.5", findings.Critical, "1.2.6", "0.2.4"),
		finding("4", "npm", "left-pad", "1.0.0", findings.Low),
		finding("5", "deb", "openssl", "3.0.0", findings.Low, "3.0.1"),
	}
	issues := map[string][]int{"1": {7}, "2": {8, 7}, "3": {9}}
	fixes, unfixable := Plan(fs, ps, func(fp string) []int { return issues[fp] })
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
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
