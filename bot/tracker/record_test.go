package tracker

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/bot/sla"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

func newLedger(t *testing.T) *ledger.Ledger {
	t.Helper()
	db, err := ledger.OpenSQLite(filepath.Join(t.TempDir(), "vigil.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	l, err := ledger.Open(context.Background(), db, ledger.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

var lodash = findings.Finding{
	Vulnerability: findings.Vulnerability{ID: "GHSA-35jh-r3h4-6jhm", Aliases: []string{"CVE-2021-23337"}, Severity: findings.High},
	Package:       findings.Package{Name: "lodash", Version: "4.17.20", Type: "npm", Locations: []findings.Location{{Path: "web/package-lock.json"}}},
	Fix:           findings.Fix{State: findings.FixAvailable, Versions: []string{"4.17.21"}},
}

// A ledger from before scopes holds a dependency finding keyed by its
// manifest; the first dependency scan after the upgrade must not leave it
// open beside the same finding under its new identity.
func TestRecordResolvesDependencyFindingsOfTheOldIdentity(t *testing.T) {
	ctx := context.Background()
	l := newLedger(t)
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	old := findings.Asset{Kind: "dir", Repository: "web/package-lock.json"}
	data, _ := json.Marshal(record{Finding: lodash, Asset: old})
	legacy := ledger.Finding{Fingerprint: findings.FingerprintFor("g/p", old, lodash), ProjectID: 1, ProjectPath: "g/p",
		Asset: old.Repository, PackageType: "npm", PackageName: "lodash", PackageVersion: "4.17.20", Vulnerability: lodash.Key(),
		Severity: findings.High, FirstSeen: now, LastSeen: now, FixState: "fixed", Status: ledger.FindingOpen,
		Group: GroupKey(sla.GroupByVulnerability, "g/p", old, lodash), Scope: "asset:" + old.Repository, Data: data}
	if err := l.PutFinding(ctx, l.DB(), legacy); err != nil {
		t.Fatal(err)
	}
	tr := New(nil, l, sla.DefaultConfig(), nil, Options{Now: func() time.Time { return now.Add(time.Hour) }})
	rep := &findings.Report{Asset: findings.Asset{Kind: "dir"}, Findings: []findings.Finding{lodash}}
	if _, err := tr.Record(ctx, Scan{ProjectID: 1, ProjectPath: "g/p", PipelineID: 2, JobID: 3, JobName: "gemnasium-dependency_scanning",
		Ref: "main", Reports: []ScanReport{{Artifact: findings.DependencyScanningFile, Report: rep}}}); err != nil {
		t.Fatal(err)
	}
	open, err := l.ScopeFindings(ctx, l.DB(), 1, JobScope("gemnasium-dependency_scanning", "main", "dependency_scanning"), legacy.Scope)
	if err != nil {
		t.Fatal(err)
	}
	if len(open) != 1 || open[0].Fingerprint == legacy.Fingerprint || open[0].Group != legacy.Group {
		t.Fatalf("open findings = %+v, want only the new identity, in the old issue's group", open)
	}
	if got, _ := l.Finding(ctx, l.DB(), legacy.Fingerprint); got.Status != ledger.FindingResolved {
		t.Errorf("old identity is %s, want resolved", got.Status)
	}
}
