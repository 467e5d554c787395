package tracker

import (
	"context"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/bot/sla"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// The patch engine is handed the scan's findings that have an issue, with
// the issue's IID; a finding whose issue people dismissed as a false
// positive, one whose issue is not open yet, and a suppressed one are not.
func TestPatchableFindingsAreThoseWithAnIssue(t *testing.T) {
	ctx := context.Background()
	l := newLedger(t)
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	tr := New(nil, l, sla.DefaultConfig(), nil, Options{Now: func() time.Time { return now }})
	minimist := lodash
	minimist.Package.Name, minimist.Package.Version, minimist.Vulnerability.ID = "minimist", "1.2.5", "GHSA-xvch-5gv4-984h"
	axios := lodash
	axios.Package.Name, axios.Vulnerability.ID = "axios", "GHSA-wf5p-g6vw-rhxx"
	vexed := lodash
	vexed.Package.Name, vexed.Suppression = "moment", &findings.Suppression{Kind: findings.SuppressedVEX}
	rep := &findings.Report{Asset: findings.Asset{Kind: "dir"}, Findings: []findings.Finding{lodash, minimist, axios, vexed}}
	scan := Scan{ProjectID: 1, ProjectPath: "g/p", PipelineID: 2, JobID: 3, JobName: "gemnasium-dependency_scanning",
		Ref: "main", Reports: []ScanReport{{Artifact: findings.DependencyScanningFile, Report: rep}}}
	if _, err := tr.Record(ctx, scan); err != nil {
		t.Fatal(err)
	}
	asset := ReportAsset("g/p", rep)
	for _, w := range []struct {
		f  findings.Finding
		is ledger.Issue
	}{
		{lodash, ledger.Issue{IID: 11, State: "opened"}},
		{minimist, ledger.Issue{IID: 12, State: "opened", Exception: findings.FalsePositive}},
		// axios: recorded, its issue not written yet
	} {
		f, is := w.f, w.is
		is.Group, is.ProjectID = GroupKey(sla.GroupByVulnerability, "g/p", asset, f), 1
		if err := l.PutIssue(ctx, is); err != nil {
			t.Fatal(err)
		}
	}
	active, issues, err := tr.Patchable(ctx, scan)
	if err != nil {
		t.Fatal(err)
	}
	fp := findings.FingerprintFor("g/p", asset, lodash)
	if len(active) != 1 || active[0].Package.Name != "lodash" || active[0].Fingerprint != fp {
		t.Fatalf("patchable findings %+v, want lodash alone with its fingerprint", active)
	}
	if len(issues) != 1 || len(issues[fp]) != 1 || issues[fp][0] != 11 {
		t.Errorf("issues %v, want lodash's fingerprint → [11]", issues)
	}
}
