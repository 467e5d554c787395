package tracker

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// MonitorScan is a stored SBOM matched again against a new DB build, with
// no pipeline: continuous monitoring's counterpart of a Scan.
type MonitorScan struct {
	ProjectID   int64
	ProjectPath string
	Asset       findings.Asset // repository and digest of the stored SBOM
	By          string         // "continuous monitoring (DB build of …)"
	Findings    []findings.Finding
	// Changed are the vulnerability ids the new build added, changed or
	// withdrawn (Withdrawn the latter): an open finding of the digest among
	// them that the match no longer lists is resolved. Other findings stay
	// as the scans left them: the re-match only answers for what changed.
	Changed, Withdrawn []string
}

// monitorScope is the scope of findings a re-match found first.
func monitorScope(repository string) string { return "monitor:" + repository }

// RecordMonitor writes a re-match into the ledger in one transaction, as
// Record writes a scan: new findings are recorded (and reopen their issues
// at the next Reconcile) saying they were detected by monitoring; a finding
// a scan already holds open keeps the scan's scope, so the scan's next
// report still decides it; findings of withdrawn or changed advisories that
// the match no longer lists are resolved by the monitoring build.
func (t *Tracker) RecordMonitor(ctx context.Context, ms MonitorScan) error {
	now := t.now().UTC()
	pol := t.policy(ms.ProjectPath)
	scan := Scan{ProjectID: ms.ProjectID, ProjectPath: ms.ProjectPath}
	rep := &findings.Report{Asset: ms.Asset, Findings: ms.Findings}
	merged, err := t.mergeFindings(pol, scan, rep, ms.Asset, monitorScope(ms.Asset.Repository), now)
	if err != nil {
		return err
	}
	if err := t.ledger.SetProjectPath(ctx, ms.ProjectID, ms.ProjectPath); err != nil {
		return err
	}
	err = t.ledger.Tx(ctx, func(tx *sql.Tx) error {
		for fp, rec := range merged {
			if err := t.putMonitored(ctx, tx, ms, rec, now); err != nil {
				return fmt.Errorf("record finding %s: %w", fp, err)
			}
		}
		return t.resolveChanged(ctx, tx, ms, merged)
	})
	if err != nil {
		return fmt.Errorf("record monitoring of %s: %w", ms.Asset.Digest, err)
	}
	return nil
}

func (t *Tracker) putMonitored(ctx context.Context, tx *sql.Tx, ms MonitorScan, rec ledger.Finding, now time.Time) error {
	prev, err := t.ledger.Finding(ctx, tx, rec.Fingerprint)
	switch {
	case err == nil:
		rec.FirstSeen, rec.FixSince = prev.FirstSeen, prev.FixSince
		if prev.Status == ledger.FindingOpen {
			rec.Scope = prev.Scope
		}
	case ledger.IsNotFound(err):
		rec.FirstSeen = now
	default:
		return err
	}
	if rec.FixSince.IsZero() && findings.ParseFixState(rec.FixState) == findings.FixAvailable {
		rec.FixSince = now
	}
	var r record
	if err := json.Unmarshal(rec.Data, &r); err != nil {
		return err
	}
	r.Monitor = ms.By
	if rec.Data, err = json.Marshal(r); err != nil {
		return err
	}
	return t.ledger.PutFinding(ctx, tx, rec)
}

// resolveChanged resolves the open findings of the digest whose
// vulnerability the new build changed or withdrew and the match no longer lists.
func (t *Tracker) resolveChanged(ctx context.Context, tx *sql.Tx, ms MonitorScan, seen map[string]ledger.Finding) error {
	if len(ms.Changed) == 0 || ms.Asset.Digest == "" {
		return nil
	}
	open, err := t.ledger.SBOMs().OpenFindingsAt(ctx, tx, ms.ProjectID, ms.Asset.Digest)
	if err != nil {
		return err
	}
	for _, f := range open {
		if _, ok := seen[f.Fingerprint]; ok || f.Asset != ms.Asset.Repository {
			continue
		}
		ids := findingIDs(f)
		if !slices.ContainsFunc(ids, func(id string) bool { return slices.Contains(ms.Changed, id) }) {
			continue
		}
		why := "its advisory no longer matches " + f.PackageName + " " + f.PackageVersion
		if slices.ContainsFunc(ids, func(id string) bool { return slices.Contains(ms.Withdrawn, id) }) {
			why = "its advisory was withdrawn"
		}
		f.Status, f.ResolvedBy = ledger.FindingResolved, ms.By+": "+why
		if err := t.ledger.PutFinding(ctx, tx, f); err != nil {
			return err
		}
	}
	return nil
}

// findingIDs are a stored finding's vulnerability id, key and aliases.
func findingIDs(f ledger.Finding) []string {
	ids := []string{f.Vulnerability}
	var r record
	if json.Unmarshal(f.Data, &r) == nil {
		ids = append(ids, r.Finding.Vulnerability.ID)
		ids = append(ids, r.Finding.Vulnerability.Aliases...)
	}
	return ids
}
